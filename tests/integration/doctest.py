#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the examples of netlab's documentation and compares what they print with what the
documentation shows. TAP on stdout, one line per example.

    doctest.py FILE...          README.md, docs/*.md, docs/*.scd (only their EXAMPLES section)

What is an example (a fenced block, ``` ... ```):

  ```sh            a script (or marker "script": scdoc has no info strings): run with
                   bash -e, it must exit 0
  ```  (no tag)    a transcript when its first line starts with "$ " or "# " (a prompt): each
                   command (a prompt line at the start of the block or after a blank line; a
                   trailing backslash continues it) runs with bash, and what it prints (stdout
                   and stderr) must be the lines that follow it. "[...]" alone on a line
                   stands for any lines, within a line for any text.
  ```yaml          a GitHub Actions job (marker "ci"): each step's `run` is a bash -e script
  marker "topology"  a topology file: `netlab check` must accept it

A marker on the line just before the fence names the example and says how to treat it:
    <!-- doctest: NAME [script|topology|ci] [status=N] [needs=FEATURE,...]
                  [skip-step=STEP NAME] [skip=REASON] -->       in Markdown, on one line
    ; doctest: NAME ...                                         in scdoc (a comment)
status=N is the exit status of a transcript's commands (default 0); needs= names features of
`netlab doctor --json` (netem...) without which the example is skipped; skip=REASON is the
rest of the line. Unmarked examples are named FILE:LINE; blocks that are neither scripts nor
transcripts nor marked (sample output, excerpts) are not examples.

Compared after masking, on both sides: times and durations, dates, integers of 3 digits or more
(pids), the directory part of absolute paths, runs of blanks.

Each file runs in its own scratch directory that looks like a clone of the source tree: its
top-level entries are symlinks to SRCDIR's, `build` is BUILDDIR, and everything the examples
write lands in the scratch directory. `netlab` is $NETLAB; `sudo` runs its command as is (the
test runs as root; a real sudo would reset PATH). After a file, every lab is taken down: the
caller gives us a private /run/netlab (see test-docs.sh).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

NETLAB = os.environ["NETLAB"]
SRCDIR = os.environ["SRCDIR"]
BUILDDIR = os.environ.get("BUILDDIR") or os.path.dirname(NETLAB)
TIMEOUT = 120
# DOCTEST_SKIP="NAME=REASON;...": examples this build cannot run (the caller knows which).
RUNTIME_SKIP = dict(kv.split("=", 1) for kv in os.environ.get("DOCTEST_SKIP", "").split(";") if "=" in kv)

MARK_MD = re.compile(r"^<!--\s*doctest:\s*(.*?)\s*-->\s*$")
MARK_SCD = re.compile(r"^;\s*doctest:\s*(.*?)\s*$")
PROMPT = re.compile(r"^[$#] ")


class Example:
    def __init__(self, doc, line, info, body, marker):
        self.doc, self.line, self.info, self.body = doc, line, info, body
        self.name = f"{os.path.basename(doc)}:{line}"
        self.kind = None
        self.skip = None
        self.skip_steps = []
        self.status = 0
        self.needs = []
        if marker:
            words = marker.split(" skip=", 1)
            if len(words) == 2:
                self.skip = words[1]
            opts = words[0].split()
            self.name = opts[0]
            for o in opts[1:]:
                if o in ("topology", "ci", "script"):
                    self.kind = o
                elif o.startswith("status="):
                    self.status = int(o[len("status="):])
                elif o.startswith("needs="):
                    self.needs += o[len("needs="):].split(",")
            for m in re.finditer(r"skip-step=(\S[^=]*?)(?= \S+=|$)", words[0]):
                self.skip_steps.append(m.group(1).strip())
        if self.kind is None:
            if info in ("sh", "bash"):
                self.kind = "script"
            elif info == "" and body and PROMPT.match(body[0]):
                self.kind = "transcript"


def blocks(path):
    """The fenced blocks of path with the marker before each; for scdoc, of EXAMPLES only."""
    scd = path.endswith(".scd")
    lines = open(path, encoding="utf-8").read().split("\n")
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("# "):
            section = line[2:].strip()
        fence = re.match(r"^\s*```\s*(\S*)\s*$", line)
        if not fence:
            i += 1
            continue
        prev = lines[i - 1] if i > 0 else ""
        m = (MARK_SCD if scd else MARK_MD).match(prev)
        start = i + 1
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            i += 1
        if not scd or section == "EXAMPLES":
            yield Example(path, start, fence.group(1), lines[start:i], m.group(1) if m else None)
        i += 1


def mask(text):
    out = []
    for line in text.split("\n"):
        line = re.sub(r"(?<![\w.])/(?:[\w.+-]+/)+", "<dir>/", line)
        line = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?", "<date>", line)
        line = re.sub(r"(?<![\w.])\d+(\.\d+)?(/\d+(\.\d+)?)* ?(ms|s)\b", "<t>", line)
        line = re.sub(r"(?<![\w.:/-])\d{3,}(?![\w.:/])", "<n>", line)
        out.append(" ".join(line.split()))
    while out and out[-1] == "":
        out.pop()
    return out


def matches(expected, actual):
    pattern = ""
    for line in mask("\n".join(expected)):
        if line == "[...]":
            pattern += r"(?:.*\n)*?"
        else:
            pattern += ".*".join(re.escape(part) for part in line.split("[...]")) + r"\n"
    return re.fullmatch(pattern, "\n".join(mask(actual)) + "\n" if actual.strip() else "") is not None


def commands(body):
    """[(command, [expected lines])] of a transcript."""
    result = []
    i = 0
    while i < len(body):
        if not (PROMPT.match(body[i]) and (i == 0 or body[i - 1].strip() == "")):
            i += 1
            continue
        cmd = body[i][2:]
        while cmd.endswith("\\") and i + 1 < len(body):
            i += 1
            cmd = cmd[:-1] + "\n" + body[i]
        i += 1
        out = []
        while i < len(body) and not (PROMPT.match(body[i]) and body[i - 1].strip() == ""):
            out.append(body[i])
            i += 1
        while out and out[-1].strip() == "":
            out.pop()
        result.append((cmd, out))
    return result


class Runner:
    def __init__(self, tmp):
        self.tmp = tmp
        self.bin = os.path.join(tmp, "bin")
        os.makedirs(self.bin, exist_ok=True)
        os.symlink(NETLAB, os.path.join(self.bin, "netlab"))
        with open(os.path.join(self.bin, "sudo"), "w") as f:
            f.write('#!/bin/sh\nexec "$@"\n')
        os.chmod(os.path.join(self.bin, "sudo"), 0o755)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NETLAB")}
        self.env["PATH"] = self.bin + ":" + os.environ.get("PATH", "/usr/bin:/bin")
        self.env["NO_COLOR"] = "1"
        self.n = 0
        self.failed = 0

    def scratch(self, doc):
        d = tempfile.mkdtemp(prefix=os.path.basename(doc) + ".", dir=self.tmp)
        for e in os.listdir(SRCDIR):
            if e.startswith(".") or e.startswith("build"):
                continue
            os.symlink(os.path.join(SRCDIR, e), os.path.join(d, e))
        os.symlink(BUILDDIR, os.path.join(d, "build"))
        return d

    def sh(self, script, cwd, flags=("-e",)):
        try:
            p = subprocess.run(["bash", *flags, "-c", script], cwd=cwd, env=self.env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=TIMEOUT)
            return p.returncode, p.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            return 124, (e.stdout or b"").decode(errors="replace") + f"\n(timed out after {TIMEOUT} s)"

    def feature(self, name, cwd):
        """Whether `netlab doctor --json` says this machine has feature name."""
        if not hasattr(self, "features"):
            import json
            rc, out = self.sh("netlab doctor --json", cwd, ())
            try:
                self.features = json.loads(out)["features"]
            except (ValueError, KeyError):
                self.features = {}
        return self.features.get(name, {}).get("ok", False)

    def report(self, ex, ok, why=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {ex.name} ({ex.kind}, {ex.doc}:{ex.line})")
        if not ok:
            self.failed += 1
            for line in why.rstrip("\n").split("\n")[-60:]:
                print("#   " + line)
            # What a failed example left up would fail the next ones too: they report
            # their own errors, not this one's.
            self.sh("netlab down --all >/dev/null 2>&1", self.tmp, ())
        sys.stdout.flush()

    def run(self, ex, cwd):
        skip = ex.skip or RUNTIME_SKIP.get(ex.name)
        missing = [f for f in ex.needs if not self.feature(f, cwd)]
        if not skip and missing:
            skip = f"needs {', '.join(missing)}, which this machine lacks (netlab doctor)"
        if skip:
            self.n += 1
            print(f"ok {self.n} - {ex.name} ({ex.kind}, {ex.doc}:{ex.line}) # SKIP {skip}")
            return
        if ex.kind == "script":
            rc, out = self.sh("\n".join(ex.body), cwd)
            self.report(ex, rc == 0, f"exit {rc}:\n{out}")
        elif ex.kind == "transcript":
            for cmd, expected in commands(ex.body):
                rc, out = self.sh(cmd, cwd, flags=())
                if not matches(expected, out) or rc != ex.status:
                    return self.report(ex, False, f"$ {cmd}\n--- the documentation shows "
                                       f"(exit {ex.status}):\n" + "\n".join(expected) +
                                       f"\n--- netlab printed (exit {rc}):\n" + out)
            self.report(ex, True)
        elif ex.kind == "topology":
            path = os.path.join(cwd, ex.name + ".conf")
            with open(path, "w") as f:
                f.write("\n".join(ex.body) + "\n")
            rc, out = self.sh(f"netlab check {ex.name}.conf", cwd)
            self.report(ex, rc == 0, f"exit {rc}:\n{out}")
        elif ex.kind == "ci":
            import yaml
            job = yaml.safe_load("\n".join(ex.body))
            for jname, j in job["jobs"].items():
                for step in j["steps"]:
                    if "run" not in step or step.get("name") in ex.skip_steps:
                        continue
                    if step.get("if") == "failure()":
                        continue
                    rc, out = self.sh(step["run"], cwd)
                    if rc != 0:
                        return self.report(ex, False, f"step '{step.get('name')}': exit {rc}\n{out}")
            self.report(ex, True)


def main():
    docs = sys.argv[1:]
    examples = {d: [e for e in blocks(d) if e.kind] for d in docs}
    names = [e.name for d in docs for e in examples[d]]
    dup = {n for n in names if names.count(n) > 1}
    # No plan line: the caller adds its own tests and prints the plan at the end.
    tmp = tempfile.mkdtemp(prefix="netlab-doctest.")
    r = Runner(tmp)
    r.n += 1
    print(f"{'not ok' if dup else 'ok'} {r.n} - example names are unique {sorted(dup) or ''}")
    r.failed += bool(dup)
    try:
        for d in docs:
            cwd = r.scratch(d)
            try:
                for ex in examples[d]:
                    r.run(ex, cwd)
            finally:
                # Whatever an example left up goes with it (the run directory is private).
                r.sh("netlab down --all >/dev/null 2>&1; netlab clean >/dev/null 2>&1", cwd, ())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
