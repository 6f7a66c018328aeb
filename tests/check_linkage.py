#!/usr/bin/env python3
"""The start-up budget, checked with ldd (docs/ARCHITECTURE.md "Programs"), run by ctest.

For every program under STAGE (the build's installed layout: bin/, libexec/), the row of
the Programs table whose "installed as" names it says what it may load and what it never
loads. A program fails when ldd shows
  - a library that is neither in "may load" nor loaded by one of those (ldd of each of
    them, so what libcurl brings along is libcurl's, not the program's);
  - a library in "never loads", however it got there;
  - a library ldd cannot find;
and the check fails when a staged program has no row, or a row names no staged program.
Library names are sonames without ".so...": libc, libstdc++, libcurl, libyaml-cpp.

Prints one line per violation and exits 1 if there is any.
  tests/check_linkage.py STAGE [--sanitizer]    --sanitizer: libasan/libubsan/libtsan allowed
  tests/check_linkage.py STAGE --self-test      narrowed tables must fail for every program
"""
import os
import re
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DOC = os.path.join(ROOT, "docs", "ARCHITECTURE.md")
ALWAYS = {"linux-vdso", "ld-linux-x86-64", "ld-linux-aarch64", "ld-linux"}  # the kernel's page and the loader
SANITIZER_RUNTIMES = {"libasan", "libubsan", "libtsan", "liblsan"}
LDD_LINE = re.compile(r"^\s*(\S+)(?:\s+=>\s+(\S+|not found))?")


def short_name(soname):
    base = os.path.basename(soname)
    return base.split(".so", 1)[0]


def ldd(path):
    """[(short name, resolved path or None)] as ldd lists them."""
    out = subprocess.run(["ldd", path], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"ldd {path} failed: {(out.stderr or out.stdout).strip()}")
    libs = []
    for line in out.stdout.splitlines():
        m = LDD_LINE.match(line)
        if not m or "statically linked" in line:
            continue
        name, resolved = m.group(1), m.group(2)
        if resolved == "not found":
            libs.append((short_name(name), None))
        elif resolved:
            libs.append((short_name(name), resolved))
        else:  # "/lib64/ld-linux-x86-64.so.2 (0x...)" or "linux-vdso.so.1 (0x...)"
            libs.append((short_name(name), name if name.startswith("/") else None))
    return libs


def programs_table(doc_text):
    """installed-as path -> (may load set, never loads set), from the Programs table."""
    lines = doc_text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.strip() == "## Programs"), None)
    if start is None:
        raise RuntimeError(f'{DOC}: no section "## Programs"')
    rows, seen = [], False
    for l in lines[start + 1:]:
        if l.startswith("## "):
            break
        if l.startswith("|"):
            seen = True
            rows.append([c.strip() for c in l.strip().strip("|").split("|")])
        elif seen:
            break
    if len(rows) < 3:
        raise RuntimeError(f"{DOC}: the Programs table has no rows")
    header = [h.lower() for h in rows[0]]
    try:
        col_prog, col_may, col_never = header.index("installed as"), header.index("may load"), header.index("never loads")
    except ValueError:
        raise RuntimeError(f"{DOC}: the Programs table needs the columns 'installed as', 'may load', 'never loads'")
    table = {}
    for r in rows[2:]:
        names = lambda c: set(re.findall(r"`([^`]+)`", r[c])) if c < len(r) else set()
        prog = names(col_prog)
        if len(prog) != 1:
            raise RuntimeError(f"{DOC}: a Programs row without one `installed as` path: {' | '.join(r)}")
        table[prog.pop()] = (names(col_may), names(col_never))
    return table


def staged_programs(stage):
    """installed-as path -> file, for every regular executable ELF file under bin/ and libexec/."""
    found = {}
    for top in ("bin", "libexec"):
        for dirpath, _, files in os.walk(os.path.join(stage, top)):
            for f in files:
                path = os.path.join(dirpath, f)
                if os.path.islink(path) or not os.access(path, os.X_OK):
                    continue
                with open(path, "rb") as fh:
                    if fh.read(4) != b"\x7fELF":
                        continue
                found[os.path.relpath(path, stage)] = path
    return found


def check(stage, table, sanitizer):
    problems = []
    staged = staged_programs(stage)
    if not staged:
        return [f"{stage}: no programs staged under bin/ or libexec/ (build first)"]
    closure_cache = {}
    for rel, path in sorted(staged.items()):
        if rel not in table:
            problems.append(f"{rel}: staged, but docs/ARCHITECTURE.md's Programs table has no row for it")
            continue
        may, never = table[rel]
        libs = ldd(path)
        allowed = set(may) | ALWAYS | (SANITIZER_RUNTIMES if sanitizer else set())
        # What an allowed library loads is allowed with it. A sanitizer runtime brings
        # libstdc++, libm and libgcc_s into every program of a sanitizer build: those are
        # the build's, not the program's, so not even "never loads" applies to them.
        runtime_brings = set()
        for name, resolved in libs:
            if resolved and (name in may or (sanitizer and name in SANITIZER_RUNTIMES)):
                if resolved not in closure_cache:
                    closure_cache[resolved] = {n for n, _ in ldd(resolved)}
                allowed |= closure_cache[resolved]
                if name in SANITIZER_RUNTIMES:
                    runtime_brings |= closure_cache[resolved]
        for name, resolved in libs:
            if resolved is None and name not in ALWAYS:
                problems.append(f"{rel}: ldd cannot find {name}")
            elif name in runtime_brings:
                continue
            elif name in never:
                problems.append(f"{rel} loads {name}, which its row says it never loads (docs/ARCHITECTURE.md)")
            elif name not in allowed:
                problems.append(f"{rel} loads {name}, which its row in docs/ARCHITECTURE.md does not allow "
                                f"(may load: {', '.join(sorted(may))})")
    for rel in sorted(set(table) - set(staged)):
        problems.append(f"{rel}: in docs/ARCHITECTURE.md's Programs table, but not staged under {stage}")
    return problems


def self_test(stage, table, sanitizer):
    """For each program: without the first library it needs itself, and with that library
    under "never loads", the check must fail, naming the program."""
    failures = []
    staged = staged_programs(stage)
    base = check(stage, table, sanitizer)
    if base:
        failures.append("the table as it is does not pass:\n  " + "\n  ".join(base))
    for rel, path in sorted(staged.items()):
        if rel not in table:
            continue
        may, never = table[rel]
        needed = [n for n, _ in ldd(path) if n in may]
        if sanitizer:
            # What the sanitizer runtime brings is exempt (check() above), so it cannot be
            # narrowed here; a program needing nothing else has nothing to test in this build.
            runtime = {m for n, r in ldd(path) if n in SANITIZER_RUNTIMES and r for m, _ in ldd(r)}
            needed = [n for n in needed if n not in runtime]
            if not needed:
                continue
        if not needed:
            failures.append(f"{rel}: loads nothing its row names; nothing to narrow")
            continue
        # The library to narrow: one no other needed library brings along (libm comes with
        # libstdc++, libc with everything), so leaving it out of "may load" must fail too;
        # when every one is brought along (a program needing libc alone), only "never" can.
        resolved = dict(ldd(path))
        brought = set()
        for n in needed:
            if resolved.get(n):
                brought |= {m for m, _ in ldd(resolved[n]) if m != n}
        own_only = [n for n in needed if n not in brought]
        lib = own_only[-1] if own_only else needed[-1]
        for label, narrowed in (("under 'never loads'", (may, never | {lib})),
                                ("left out of 'may load'", (may - {lib}, never))):
            if label.startswith("left out") and lib in brought:
                continue
            t = dict(table)
            t[rel] = narrowed
            if not any(p.startswith(rel) and lib in p for p in check(stage, t, sanitizer)):
                failures.append(f"{rel}: with {lib} {label}, the check did not fail")
        # A library only the program itself needs (not brought along by another allowed one).
        own = [n for n in needed if n != "libc"]
        if own:
            t = dict(table)
            t[rel] = (may - set(own), never)
            if not any(p.startswith(rel) for p in check(stage, t, sanitizer)):
                failures.append(f"{rel}: with none of {', '.join(own)} allowed, the check did not fail")
    t = dict(table)
    t["bin/no-such-program"] = ({"libc"}, set())
    if not any(p.startswith("bin/no-such-program") for p in check(stage, t, sanitizer)):
        failures.append("a row for a program that is not staged was not reported")
    for f in failures:
        print(f"check_linkage self-test: {f}")
    if not failures:
        print(f"check_linkage self-test: every narrowed row of {len(staged)} programs fails, the table passes")
    return 1 if failures else 0


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    if len(args) != 1 or flags - {"--sanitizer", "--self-test"}:
        print(__doc__.strip().splitlines()[-2].strip(), file=sys.stderr)
        return 2
    stage = args[0]
    sanitizer = "--sanitizer" in flags
    try:
        with open(DOC, encoding="utf-8") as f:
            table = programs_table(f.read())
        if "--self-test" in flags:
            return self_test(stage, table, sanitizer)
        problems = check(stage, table, sanitizer)
    except (OSError, RuntimeError) as e:
        print(f"error: linkage: {e}")
        return 2
    for p in problems:
        print(p)
    if problems:
        print(f"linkage: {len(problems)} violation(s); the budget: docs/ARCHITECTURE.md \"Programs\"", file=sys.stderr)
        return 1
    print(f"linkage: ok ({len(table)} programs)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
