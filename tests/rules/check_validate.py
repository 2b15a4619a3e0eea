"""`loopscope rules validate` on a broken rule file: exit 2, one line naming file, line and rule.

  python3 check_validate.py LOOPSCOPE RULE_FILE EXPECTED_LINE EXPECTED_RULE
"""
import subprocess
import sys

loopscope, rule_file, line, rule_id = sys.argv[1:5]
run = subprocess.run([loopscope, "rules", "validate", rule_file], capture_output=True, text=True)
errors = [l for l in run.stderr.splitlines() if l.strip()]
problems = []
if run.returncode != 2:
    problems.append(f"exit status {run.returncode}, expected 2")
if len(errors) != 1:
    problems.append(f"{len(errors)} lines on stderr, expected 1: {errors}")
elif f"{rule_file}:{line}" not in errors[0] or rule_id not in errors[0] or "regex" not in errors[0]:
    problems.append(f"the message does not name {rule_file}:{line}, {rule_id} and the regex: {errors[0]}")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
