"""Renders a report and hands it to the real parser of its language.

  python3 render_check.py markdown|dot COMMAND [ARGS...]

COMMAND's stdout (exit 0 or 1: findings are fine here) is the document.
  markdown: every ```mermaid block must parse with Mermaid (check_mermaid.mjs, under Node)
  dot:      `dot -Tsvg` must accept it without errors or warnings
Exit 77 (ctest: skipped) when node + mermaid or Graphviz are not installed.
"""
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def main():
    language, command = sys.argv[1], sys.argv[2:]
    run = subprocess.run(command, capture_output=True, timeout=120,
                         env=dict(os.environ, NO_COLOR="1", COLUMNS="100"))
    if run.returncode not in (0, 1):
        print(f"{command} exited {run.returncode}: {run.stderr.decode(errors='replace')}")
        return 1
    with tempfile.TemporaryDirectory(prefix="loopscope-render-") as tmp:
        document = os.path.join(tmp, "report." + ("md" if language == "markdown" else "dot"))
        with open(document, "wb") as fh:
            fh.write(run.stdout)
        if language == "markdown":
            node = shutil.which("node")
            if node is None:
                print("SKIP: node is not installed")
                return SKIP
            script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_mermaid.mjs")
            check = subprocess.run([node, script, document], capture_output=True, timeout=300)
        elif language == "dot":
            dot = shutil.which("dot")
            if dot is None:
                print("SKIP: Graphviz (dot) is not installed")
                return SKIP
            check = subprocess.run([dot, "-Tsvg", "-o", os.path.join(tmp, "report.svg"), document],
                                   capture_output=True, timeout=120)
            # Graphviz reports bad UTF-8 or syntax it recovered from as warnings: fail on those too.
            if check.returncode == 0 and check.stderr.strip():
                print(check.stderr.decode(errors="replace"))
                return 1
        else:
            print(f"unknown language {language}")
            return 2
        sys.stdout.write(check.stdout.decode(errors="replace"))
        sys.stdout.write(check.stderr.decode(errors="replace"))
        if check.returncode != 0:
            print(f"--- the document ({document}) ---")
            sys.stdout.write(run.stdout.decode(errors="replace"))
        return check.returncode


if __name__ == "__main__":
    sys.exit(main())
