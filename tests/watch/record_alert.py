#!/usr/bin/env python3
"""An --on-alert command for the tests: usage record_alert.py OUT SECONDS [WORD...]. Reads the
alert from stdin, checks it is one JSON object, waits SECONDS (a slow notifier), then appends
{"argv": [WORD...], "alert": …} to OUT."""
import json
import sys
import time

out, delay, words = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
alert = json.loads(sys.stdin.read())
time.sleep(delay)
with open(out, "a", encoding="utf-8") as f:
    f.write(json.dumps({"argv": words, "alert": alert}) + "\n")
