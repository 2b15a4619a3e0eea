"""The Debian package: built by CPack, installed into a scratch root, used, removed.

  python3 check_package.py BUILD_DIR VERSION REPO

1. `cpack -G DEB` in the build tree writes loopscope_VERSION_ARCH.deb.
2. Its control fields: the project's version, and Depends computed by dpkg-shlibdeps: every
   library the binary links (readelf NEEDED, found by ldd, its package by `dpkg -S`) is in it, each
   with a version. Its files: binary, rules, man page, completions.
3. `dpkg --root` installs it into an empty scratch root whose status database holds only the
   host's stanzas of those dependencies, so dpkg itself checks Depends (no --force-depends).
4. The installed binary runs on a sample, reads its rules from the scratch root's
   /usr/share/loopscope/rules (an edit there shows in `rules list`), `man -l` renders the
   installed page without warnings, the installed completions parse.
5. `dpkg --remove` leaves nothing behind but dpkg's own database.
No network, no container, nothing outside a temporary folder is written.
"""
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile


def run(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 240)
    return subprocess.run(args, **kw)


def host_stanzas(packages):
    """The host's dpkg status stanzas of `packages` (names without :arch)."""
    with open("/var/lib/dpkg/status", encoding="utf-8") as fh:
        stanzas = fh.read().split("\n\n")
    kept = []
    for stanza in stanzas:
        m = re.search(r"^Package: (\S+)$", stanza, re.M)
        if m and m.group(1) in packages and "Status: install ok installed" in stanza:
            kept.append(stanza.strip() + "\n")
    return kept


def main():
    build, version, repo = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    tools = ["cpack", "dpkg", "dpkg-deb", "dpkg-shlibdeps", "readelf", "ldd", "man"]
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        print(f"SKIP: not installed: {' '.join(missing)} (scripts/setup.sh installs them)")
        return 77
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "out")
        made = run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"),
                    "-B", out], cwd=build)
        debs = glob.glob(os.path.join(out, "loopscope_*.deb"))
        if made.returncode != 0 or len(debs) != 1:
            print(f"cpack failed ({made.returncode}): {made.stdout[-2000:]} {made.stderr[-2000:]}")
            return 1
        deb = debs[0]
        arch = run(["dpkg", "--print-architecture"]).stdout.strip()
        if os.path.basename(deb) != f"loopscope_{version}_{arch}.deb":
            failures.append(f"package file is {os.path.basename(deb)}")

        fields = {}
        for name in ("Package", "Version", "Depends", "Architecture"):
            fields[name] = run(["dpkg-deb", "-f", deb, name]).stdout.strip()
        if fields["Package"] != "loopscope" or fields["Version"] != version:
            failures.append(f"Package/Version: {fields['Package']} {fields['Version']}, "
                            f"expected loopscope {version}")
        depends = {}
        for entry in fields["Depends"].split(","):
            m = re.match(r"\s*([a-z0-9.+-]+)\s*(\(.*\))?", entry)
            if m:
                depends[m.group(1)] = m.group(2) or ""

        contents = run(["dpkg-deb", "-c", deb]).stdout
        files = {line.split()[-1].lstrip(".") for line in contents.splitlines()}
        for wanted in ["/usr/bin/loopscope", "/usr/share/man/man1/loopscope.1.gz",
                       "/usr/share/bash-completion/completions/loopscope",
                       "/usr/share/zsh/vendor-completions/_loopscope"] + [
                           "/usr/share/loopscope/rules/" + os.path.basename(p)
                           for p in glob.glob(os.path.join(repo, "rules", "*.yaml"))]:
            if wanted not in files:
                failures.append(f"{wanted} is not in the package")

        # Every linked library's package is in Depends, with a version: computed, complete.
        extracted = os.path.join(scratch, "extracted")
        run(["dpkg-deb", "-x", deb, extracted])
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                            run(["readelf", "-d", os.path.join(extracted, "usr/bin/loopscope")])
                            .stdout)
        if len(needed) < 5:
            failures.append(f"readelf found only {needed} as NEEDED")
        resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)",
                                   run(["ldd", os.path.join(extracted, "usr/bin/loopscope")])
                                   .stdout, re.M))
        for soname in needed:
            owner = ""
            path = resolved.get(soname, "")
            for candidate in (path, os.path.realpath(path) if path else ""):
                found = run(["dpkg", "-S", candidate]) if candidate else None
                if found is not None and found.returncode == 0:
                    owner = found.stdout.split(":")[0].strip()
                    break
            if not owner:
                failures.append(f"{soname} ({path or 'not found by ldd'}): no package owns it")
            elif owner not in depends:
                failures.append(f"{soname} (package {owner}) is linked but not in Depends: "
                                f"{fields['Depends']}")
            elif not depends[owner].startswith("(>="):
                failures.append(f"Depends has {owner} without a minimum version")

        # A scratch root that knows only the dependencies, as the host has them installed.
        root = os.path.join(scratch, "root")
        admin = os.path.join(root, "var/lib/dpkg")
        for sub in ("info", "updates", "triggers"):
            os.makedirs(os.path.join(admin, sub))
        with open(os.path.join(admin, "status"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(host_stanzas(set(depends))))
        for name in depends:  # their file lists, empty: dpkg need not warn about them
            for suffix in ("", f":{arch}"):
                open(os.path.join(admin, "info", f"{name}{suffix}.list"), "w").close()
        installed = run(["dpkg", f"--root={root}", "-i", deb])
        if installed.returncode != 0:
            print(f"dpkg --root -i failed: {installed.stdout} {installed.stderr}")
            return 1

        binary = os.path.join(root, "usr/bin/loopscope")
        env = {k: v for k, v in os.environ.items() if k != "LOOPSCOPE_CONFIG"}
        env["XDG_CONFIG_HOME"] = os.path.join(scratch, "no-config")
        got = run([binary, "--version"], env=env)
        if got.stdout.strip() != f"loopscope {version}":
            failures.append(f"installed --version: {got.stdout!r} {got.stderr!r}")
        sample = os.path.join(repo, "samples/codex-0.121.0/http-500-exhausted/exec.jsonl")
        got = run([binary, "--color", "never", sample], env=env, stdin=subprocess.DEVNULL)
        if got.returncode != 1 or "stream_retry" not in got.stdout:
            failures.append(f"installed binary on {sample}: status {got.returncode}, "
                            f"{got.stdout[:400]!r} {got.stderr[:400]!r}")

        # The installed rules are what runs: an edit there shows.
        rule_file = os.path.join(root, "usr/share/loopscope/rules/codex-turns.yaml")
        with open(rule_file, encoding="utf-8") as fh:
            text = fh.read()
        edited = text.replace("title: A turn failed\n", "title: A turn failed (installed copy)\n")
        if edited == text:
            failures.append("codex-turns.yaml has no 'title: A turn failed' line to edit")
        with open(rule_file, "w", encoding="utf-8") as fh:
            fh.write(edited)
        got = run([binary, "rules", "list"], env=env)
        if "A turn failed (installed copy)" not in got.stdout:
            failures.append(f"the installed binary does not read {rule_file}: {got.stdout!r}")

        page = os.path.join(root, "usr/share/man/man1/loopscope.1.gz")
        shown = run(["man", "-l", page],
                    env=dict(os.environ, MANROFFOPT="-ww", MANWIDTH="100", LANG="C.UTF-8"))
        if shown.returncode != 0 or shown.stderr.strip() or "loopscope analyze" not in shown.stdout:
            failures.append(f"man -l on the installed page: {shown.returncode} {shown.stderr!r}")
        with gzip.open(page, "rt", encoding="utf-8") as fh:
            if not fh.read().startswith('.\\" Generated by `loopscope --help-man`'):
                failures.append("the installed man page is not the generated one")
        for shell, script in (("bash", "usr/share/bash-completion/completions/loopscope"),
                              ("zsh", "usr/share/zsh/vendor-completions/_loopscope")):
            if shutil.which(shell):
                checked = run([shell, "-n", os.path.join(root, script)])
                if checked.returncode != 0:
                    failures.append(f"{shell} -n {script}: {checked.stderr}")

        removed = run(["dpkg", f"--root={root}", "--remove", "loopscope"])
        left = []
        for dirpath, dirnames, filenames in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            if rel == "var/lib/dpkg" or rel.startswith("var/lib/dpkg/"):
                continue
            left += [os.path.join(rel, n) for n in filenames]
            left += [os.path.join(rel, n) for n in dirnames
                     if n not in ("var", "lib", "dpkg") or rel not in (".", "var", "var/lib")]
        if removed.returncode != 0 or left:
            failures.append(f"dpkg --remove: status {removed.returncode}, left behind: {left}")

        for f in failures:
            print(f)
        if not failures:
            print(f"ok: {os.path.basename(deb)}, Depends: {fields['Depends']}; installed into a "
                  f"scratch root, ran, removed without a trace")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
