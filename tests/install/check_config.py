"""The config file: applied, overridden by a flag, reported by `loopscope config`, and refused
with one line naming file and line when malformed.

  python3 check_config.py LOOPSCOPE REPO

Every run gets a scratch XDG_CONFIG_HOME (and LOOPSCOPE_CONFIG only where the case sets it), so
nothing of the caller's own configuration is read.
"""
import json
import os
import subprocess
import sys
import tempfile

ESC = "\x1b["

RULE = """rules:
  - id: agent.tool-repeat
    title: Tool repeat, made an error by the config's rules
    kind: tool_repeat
    severity: error
    description: The built-in rule with severity error, from the config file's rules folder.
    detect: {mode: cycle, min_iterations: 3, max_period: 4}
    lanes:
      - lane: rollout
        match: {kind: [tool_call, tool_output]}
      - lane: exec
        match: {kind: [tool_call, tool_output]}
    summary: "The same tool call {iterations} times in turn {turn}."
"""


class Checker:
    def __init__(self, loopscope, repo, scratch):
        self.loopscope, self.repo, self.scratch = loopscope, repo, scratch
        self.failures = []

    def run(self, args, config=None, xdg=None, cwd=None):
        env = {k: v for k, v in os.environ.items() if k not in ("LOOPSCOPE_CONFIG", "NO_COLOR")}
        env["XDG_CONFIG_HOME"] = xdg or os.path.join(self.scratch, "empty-xdg")
        env["COLUMNS"] = "100"
        if config is not None:
            env["LOOPSCOPE_CONFIG"] = config
        return subprocess.run([self.loopscope] + args, capture_output=True, text=True, env=env,
                              cwd=cwd or self.repo, stdin=subprocess.DEVNULL, timeout=120)

    def expect(self, what, condition, run):
        if not condition:
            self.failures.append(f"{what}: status {run.returncode}\n  stdout: "
                                 f"{run.stdout[:600]!r}\n  stderr: {run.stderr[:600]!r}")

    def expect_refused(self, what, text, where, config_dir):
        path = os.path.join(config_dir, f"{what.replace(' ', '-')}.toml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        run = self.run(["samples/codex-0.121.0/tool-repeat"], config=path)
        lines = [l for l in run.stderr.splitlines() if l.strip()]
        self.expect(f"{what}: exit 2 with one line naming {path}{where}",
                    run.returncode == 2 and len(lines) == 1 and
                    lines[0].startswith(f"loopscope: {path}{where}") and run.stdout == "", run)


def main():
    loopscope, repo = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory() as scratch:
        c = Checker(loopscope, repo, scratch)
        sample = ["samples/codex-0.121.0/tool-repeat"]  # its findings are warnings: exit 0 at the default

        # No config file: the defaults, and `loopscope config` says where it looked.
        run = c.run(sample)
        c.expect("no config: exit 0 at the default --fail-on error", run.returncode == 0, run)
        run = c.run(["config"])
        expected = os.path.join(scratch, "empty-xdg", "loopscope", "config.toml")
        c.expect("no config: `loopscope config` names where it looked",
                 run.returncode == 0 and f"# no config file at {expected}" in run.stdout and
                 "# fail_on is not set (default: error)" in run.stdout, run)

        # $XDG_CONFIG_HOME/loopscope/config.toml: applied, overridden, reported.
        xdg = os.path.join(scratch, "xdg")
        folder = os.path.join(xdg, "loopscope")
        os.makedirs(folder)
        config = os.path.join(folder, "config.toml")
        with open(config, "w", encoding="utf-8") as fh:
            fh.write('# nightly defaults\nfail_on = "warning"\ncolor = "always"\n'
                     'proxy_tz = "Europe/Berlin"\n')
        run = c.run(sample, xdg=xdg)
        c.expect("config fail_on = warning: exit 1", run.returncode == 1, run)
        c.expect("config color = always: colours although stdout is a pipe", ESC in run.stdout,
                 run)
        run = c.run(["--fail-on", "error", "--color", "never"] + sample, xdg=xdg)
        c.expect("--fail-on error overrides the config: exit 0", run.returncode == 0, run)
        c.expect("--color never overrides the config: no colours", ESC not in run.stdout, run)
        run = c.run(["config"], xdg=xdg)
        c.expect("`loopscope config` reports the file and each value's line",
                 run.returncode == 0 and
                 f"# config file: {config} (from $XDG_CONFIG_HOME)" in run.stdout and
                 f'fail_on = "warning"  # {config}:2' in run.stdout and
                 f'color = "always"  # {config}:3' in run.stdout and
                 f'proxy_tz = "Europe/Berlin"  # {config}:4' in run.stdout and
                 "# rules is not set" in run.stdout, run)
        # merge has --fail-on too: the config's value applies there as well.
        report = c.run(["--format", "json", "-o", os.path.join(scratch, "tool-repeat.json")] +
                       sample, xdg=xdg)
        run = c.run(["merge", "--format", "text", os.path.join(scratch, "tool-repeat.json")],
                    xdg=xdg)
        c.expect("merge takes fail_on from the config: exit 1",
                 report.returncode == 1 and run.returncode == 1, run)

        # LOOPSCOPE_CONFIG wins over $XDG_CONFIG_HOME; a relative rules folder is relative to
        # the file, wherever loopscope runs; --rules replaces the config's list.
        named = os.path.join(scratch, "named")
        os.makedirs(os.path.join(named, "my-rules"))
        with open(os.path.join(named, "my-rules", "tool-repeat.yaml"), "w",
                  encoding="utf-8") as fh:
            fh.write(RULE)
        named_config = os.path.join(named, "loopscope.toml")
        with open(named_config, "w", encoding="utf-8") as fh:
            fh.write('rules = ["my-rules"]\n')
        run = c.run(["rules", "list"], config=named_config, xdg=xdg, cwd=scratch)
        c.expect("config rules: `rules list` shows the config's rule",
                 run.returncode == 0 and "made an error by the config's rules" in run.stdout, run)
        run = c.run([os.path.join(repo, "samples/codex-0.121.0/tool-repeat")], config=named_config, xdg=xdg,
                    cwd=scratch)
        c.expect("config rules: the rule made an error fails the run (exit 1), and the XDG "
                 "file's fail_on is not read", run.returncode == 1, run)
        run = c.run(["--rules", "rules/agent-loops.yaml"] + sample, config=named_config, xdg=xdg)
        c.expect("--rules replaces the config's rules: exit 0", run.returncode == 0, run)
        run = c.run(["config"], config=named_config, xdg=xdg)
        c.expect("`loopscope config` names LOOPSCOPE_CONFIG and the resolved rules folder",
                 f"# config file: {named_config} (from LOOPSCOPE_CONFIG)" in run.stdout and
                 f'rules = ["{os.path.join(named, "my-rules")}"]  # {named_config}:1' in run.stdout
                 and "# fail_on is not set" in run.stdout, run)

        # proxy_logs: the proxy log is read beside the named input, once loopscope has
        # --proxy-log; until then `loopscope config` says it is not used.
        proxy = os.path.join(scratch, "proxy.toml")
        with open(proxy, "w", encoding="utf-8") as fh:
            fh.write(f'proxy_logs = ["{os.path.join(repo, "samples/codex-0.121.0/ws-405-fallback/proxy.log")}"]\n')
        has_option = "--proxy-log" in c.run(["analyze", "--help"]).stdout
        run = c.run(["--format", "json", "samples/codex-0.121.0/ws-405-fallback/exec.jsonl"], config=proxy)
        formats = sorted(i.get("format") for i in json.loads(run.stdout or "{}").get("inputs", []))
        if has_option:
            c.expect("config proxy_logs: the proxy log is read too",
                     formats == ["codex-exec-jsonl", "uvicorn-access"], run)
        else:
            run = c.run(["config"], config=proxy)
            c.expect("config proxy_logs without --proxy-log: reported as not used",
                     "not used: loopscope analyze has no --proxy-log option" in run.stdout, run)

        # Malformed files: one line naming the file and the line, exit 2, no report.
        bad = os.path.join(scratch, "bad")
        os.makedirs(bad)
        c.expect_refused("syntax error", 'fail_on = "warning"\n\ncolor = "never\n', ":3:", bad)
        c.expect_refused("unknown key", 'color = "never"\nfail-on = "info"\n', ":2:", bad)
        c.expect_refused("bad value", '\nfail_on = "sometimes"\n', ":2: fail_on:", bad)
        c.expect_refused("wrong type", 'rules = ["a", 3]\n', ":1:", bad)
        c.expect_refused("missing rules folder", 'color = "never"\nrules = ["nowhere"]\n',
                         ":2: rules:", bad)
        run = c.run(sample, config=os.path.join(scratch, "absent.toml"))
        c.expect("a missing LOOPSCOPE_CONFIG file: exit 2, one line",
                 run.returncode == 2 and run.stderr.count("\n") == 1 and
                 "LOOPSCOPE_CONFIG=" in run.stderr, run)

        for f in c.failures:
            print(f)
        if not c.failures:
            print("ok: config applied, overridden by flags, reported; malformed files refused")
        return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
