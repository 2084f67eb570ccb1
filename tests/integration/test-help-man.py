#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`netlab --help`, each `netlab VERB -h`, the verbs' getopt tables and netlab(1) agree (issue 18).

For every verb of `netlab complete verbs` (the verb table of src/cli/main.c, hidden ones out):
  - `netlab VERB -h` prints "usage: netlab USAGE" (and "       netlab USAGE" for each further
    form of the verb) and exits 0;
  - `netlab --help` (printed from main.c's table) has exactly those USAGE lines;
  - netlab(1)'s SYNOPSIS has exactly those USAGE lines (markup and "[-v|-q]" aside);
  - netlab(1)'s COMMANDS section has an entry for it (one per form, or one for all);
  - the options in each of these four name the same options as the verb's getopt table
    (src/cli/*.c: the `struct option` array and optstring of the function the verb runs), each by
    its long or its short name: none is missing, none is extra.
And: the verbs of SYNOPSIS and COMMANDS are those of the table; the global options of --help are
netlab(1)'s GLOBAL OPTIONS. Needs no root; TAP.
"""
import os
import re
import subprocess
import sys

NETLAB = os.environ["NETLAB"]
SRCDIR = os.environ["SRCDIR"]
OPT = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")

n = 0
failed = 0


def check(desc, problems):
    global n, failed
    n += 1
    print(f"{'not ok' if problems else 'ok'} {n} - {desc}")
    for p in problems:
        print(f"#   {p}")
    failed += bool(problems)


def run(*args):
    p = subprocess.run([NETLAB, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout


def plain(scd):
    """scdoc markup off: *bold*, _underline_ (not \\_), escapes; blanks collapsed."""
    s = re.sub(r"(?<!\\)[*]", "", scd)
    s = re.sub(r"(?<![\\\w])_|_(?!\w)", "", s)
    s = s.replace("\\_", "_").replace("\\*", "*")
    return " ".join(s.split())


def man_sections(path):
    sections, cur = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# "):
            cur = line[2:].strip()
            sections[cur] = []
        elif cur:
            sections[cur].append(line)
    return sections


def c_option_tables():
    """{verb: [(long, short or None)]} from the getopt tables of src/cli/*.c."""
    main = open(os.path.join(SRCDIR, "src/cli/main.c"), encoding="utf-8").read()
    fn_verb = {fn: v for v, fn in re.findall(r'\{\s*"([\w-]+)",\s*(verb_\w+)', main)}
    tables = {}
    for f in sorted(os.listdir(os.path.join(SRCDIR, "src/cli"))):
        if not f.endswith(".c"):
            continue
        src = open(os.path.join(SRCDIR, "src/cli", f), encoding="utf-8").read()
        fns = list(re.finditer(r"^int (verb_\w+)\(int argc, char \*\*?argv(?:\[\])?\)\s*\{\n(.*?)^\}$",
                               src, re.S | re.M))
        # A table outside every verb function (a helper parses the options) belongs to the
        # verbs of the file that have none of their own.
        rest = src
        for m in fns:
            rest = rest.replace(m.group(0), "")
        for m in fns:
            table = parse_table(m.group(2)) or parse_table(rest)
            tables[fn_verb.get(m.group(1), m.group(1))] = table
    return tables


def parse_table(code):
    """[(long, short or None)] of the `struct option` entries and getopt optstrings in code."""
    longs = re.findall(r'\{\s*"([\w-]+)",\s*\w+_argument,\s*NULL,\s*\'(.)\'\s*\}', code)
    optstring = "".join(re.findall(r'getopt_long\(\w+,\s*\w+,\s*"([^"]*)"', code))
    shorts = set(re.sub(r"[^A-Za-z]", "", optstring))
    return [(lng, c if c in shorts else None) for lng, c in longs if lng != "help"]


def options_named(text, table):
    """The options of table that text names, and the option words of text that are not in it."""
    names = {}
    for lng, c in table:
        names["--" + lng] = lng
        if c:
            names["-" + c] = lng
    found, unknown = set(), set()
    for w in OPT.findall(text):
        (found.add(names[w]) if w in names else unknown.add(w))
    return found, unknown


def main():
    rc, out = run("complete", "verbs")
    verbs = out.split()
    check("netlab complete verbs lists the verbs", [] if rc == 0 and verbs else [f"exit {rc}"])

    rc, helptext = run("--help")
    # A verb may have several forms (node stop|start, node set ...): one line each, in order.
    help_usage = {}
    for line in helptext.split("\n"):
        m = re.match(r"^  (\S+)(.*)$", line)
        if m and m.group(1) in verbs:
            form = " ".join(re.split(r"\s{2,}", line.strip())[0].split())
            help_usage.setdefault(m.group(1), []).append(form)

    man = man_sections(os.path.join(SRCDIR, "docs/netlab.1.scd"))
    synopsis, commands = {}, {}
    for line in man.get("SYNOPSIS", []):
        s = plain(line)
        m = re.match(r"^netlab \[-v\|-q\] (\S+)(.*)$", s)
        if m:
            synopsis.setdefault(m.group(1), []).append(m.group(1) + m.group(2))
    for line in man.get("COMMANDS", []):
        m = re.match(r"^\*(\w+)\*(.*)$", line)
        if m:
            commands.setdefault(m.group(1), []).append(plain(line))

    check("netlab(1) SYNOPSIS has every verb and no other",
          [f"'{v}' is a verb but not in SYNOPSIS" for v in verbs if v not in synopsis] +
          [f"SYNOPSIS has '{v}', which is not a verb" for v in synopsis if v not in verbs])
    check("netlab(1) COMMANDS has every verb and no other",
          [f"'{v}' is a verb but not in COMMANDS" for v in verbs if v not in commands] +
          [f"COMMANDS has '{v}', which is not a verb" for v in commands if v not in verbs])

    tables = c_option_tables()
    for v in verbs:
        problems = []
        rc, out = run(v, "-h")
        if rc != 0 or not out.startswith(f"usage: netlab {v}"):
            problems.append(f"'netlab {v} -h' printed {out!r} (exit {rc})")
        # "usage: netlab FORM", then "       netlab FORM" for each further form.
        usage = [" ".join(m.split()) for m in re.findall(r"^(?:usage:)?\s*netlab (.*)$", out, re.M)]
        if help_usage.get(v) != usage:
            problems.append(f"--help has {help_usage.get(v)!r}, -h has {usage!r}")
        if synopsis.get(v) != usage:
            problems.append(f"SYNOPSIS has {synopsis.get(v)!r}, -h has {usage!r}")
        if v not in tables:
            problems.append(f"no getopt table found for '{v}' in src/cli/*.c")
        table = tables.get(v, [])
        want = {lng for lng, _ in table}
        for where, text in (("-h", " ".join(usage)), ("--help", " ".join(help_usage.get(v, []))),
                            ("SYNOPSIS", " ".join(synopsis.get(v, []))),
                            ("COMMANDS", " ".join(commands.get(v, [])))):
            found, unknown = options_named(text, table)
            for lng in sorted(want - found):
                problems.append(f"{where} omits --{lng}")
            for w in sorted(unknown):
                problems.append(f"{where} names {w}, which '{v}' does not take")
        check(f"{v}: -h, --help, netlab(1) and its getopt table agree "
              f"({', '.join('--' + lng for lng in sorted(want)) or 'no options'})", problems)

    # Global options: --help's list and netlab(1)'s GLOBAL OPTIONS.
    in_help = set(OPT.findall(helptext.split("Options (before VERB):", 1)[-1].split("\n\n")[0]))
    in_man = set()
    for line in man.get("GLOBAL OPTIONS", []):
        if line.startswith("*"):
            in_man |= set(OPT.findall(plain(line)))
    check("global options: --help and netlab(1) GLOBAL OPTIONS agree",
          [f"--help has {o}, netlab(1) does not" for o in sorted(in_help - in_man)] +
          [f"netlab(1) has {o}, --help does not" for o in sorted(in_man - in_help)] +
          ([] if in_help else ["no options found in --help"]))

    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
