#!/usr/bin/env python3
"""The layering check (docs/ARCHITECTURE.md "Layers"), run by ctest.

One source of truth: the CMake files. lib/CMakeLists.txt declares each folder's library and
the folders and external libraries it uses; cli/CMakeLists.txt what the CLI uses;
helpers/ and hooks/CMakeLists.txt what each program links. From these, a file may include
  - from lib/<X>/ or cli/: the headers of X, of what X declares, of what those declare, ...
  - in a program's source: the headers of what the program links, and theirs;
  - an external library's headers (<git2.h>, <curl/...>, ...) only where that library is
    declared on the way, so a hook cannot start to need libgit2 by an include.
No lib/ file includes cli/. Includes are rooted at lib/ (or the repository for cli/).
The doc's tables are checked against the CMake files: the folders (as `ls lib/`), each
folder's modules (its headers), what each uses, and what each program links.

Prints one line per violation (file:line: what) and exits 1 if there is any.
  tests/check_layers.py [ROOT]      check the tree at ROOT (default: this repository)
  tests/check_layers.py --self-test plant violations in copies of the tree; each must fail
"""
import os
import re
import shutil
import sys
import tempfile

# CMake's name for an external library -> the name the doc and the messages use, and the
# include prefixes that belong to it.
EXTERNALS = {
    "yaml-cpp": ("yaml-cpp", ("yaml-cpp/",)),
    "yaml-cpp-static": ("yaml-cpp", ("yaml-cpp/",)),  # the same library, from its archive (CMakeLists.txt)
    "nlohmann_json::nlohmann_json": ("nlohmann_json", ("nlohmann/",)),
    "PkgConfig::LIBGIT2": ("libgit2", ("git2.h", "git2/")),
    "PkgConfig::LIBCURL": ("libcurl", ("curl/",)),
    "OpenSSL::Crypto": ("libcrypto", ("openssl/",)),
    "OpenSSL::SSL": ("libssl", ("openssl/",)),
    "Boost::program_options": ("boost", ("boost/",)),
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


class Tree:
    def __init__(self, root):
        self.root = root
        self.problems = []
        self.order = []  # lib folders in the order lib/CMakeLists.txt declares them
        self.deps = {}   # unit -> (internal units, external names) as declared
        self.programs = {}  # program name -> (source path, internal units, external names)

    def problem(self, where, what):
        self.problems.append(f"{where}: {what}")

    def read(self, rel):
        with open(os.path.join(self.root, rel), encoding="utf-8", errors="replace") as f:
            return f.read()

    # ------------------------------------------------------------------ the CMake side
    def split_deps(self, where, tokens):
        internal, external = [], []
        for t in tokens:
            if t in ("PUBLIC", "PRIVATE", "INTERFACE"):
                continue
            if t.startswith("bbsot_"):
                internal.append(t[len("bbsot_"):])
            elif t in EXTERNALS:
                external.append(EXTERNALS[t][0])
            else:
                self.problem(where, f"'{t}' is neither a bbsot library nor an external library this check knows "
                                    f"(add it to EXTERNALS in tests/check_layers.py)")
        return internal, external

    @staticmethod
    def calls(text, name):
        # name(arg arg ...) possibly over several lines; comments dropped first.
        text = re.sub(r"#[^\n]*", "", text)
        return [m.group(1).split() for m in re.finditer(re.escape(name) + r"\(([^)]*)\)", text)]

    def load_cmake(self):
        lib = self.read("lib/CMakeLists.txt")
        for args in self.calls(lib, "bbsot_library"):
            if args == ["name"]:
                continue
            name, rest = args[0], args[1:]
            internal, external = self.split_deps("lib/CMakeLists.txt", rest)
            for d in internal:
                if d not in self.deps:
                    self.problem("lib/CMakeLists.txt",
                                 f"{name} uses {d}, which is declared after it (a folder uses only folders before it)")
            self.order.append(name)
            self.deps[name] = (internal, external)
        cli = self.calls(self.read("cli/CMakeLists.txt"), "target_link_libraries")
        cli = [a for a in cli if a and a[0] == "bbsot_cli"]
        if len(cli) != 1:
            self.problem("cli/CMakeLists.txt", "expected one target_link_libraries(bbsot_cli ...)")
            self.deps["cli"] = ([], [])
        else:
            self.deps["cli"] = self.split_deps("cli/CMakeLists.txt", cli[0][1:])
        for folder, func, first in (("helpers", "bbsot_program", 3), ("hooks", "bbsot_hook", 1)):
            rel = f"{folder}/CMakeLists.txt"
            for args in self.calls(self.read(rel), func):
                if args[0] == "name":
                    continue
                name = args[0]
                subdir = args[1].strip('"') if func == "bbsot_program" else ""
                source = f"{folder}/{subdir}{name}.cpp"
                internal, external = self.split_deps(rel, args[first:])
                self.programs[name] = (source, internal, external)

    def closure(self, units):
        seen_int, seen_ext, todo = set(), set(), list(units)
        while todo:
            u = todo.pop()
            if u in seen_int:
                continue
            seen_int.add(u)
            internal, external = self.deps.get(u, ([], []))
            seen_ext.update(external)
            todo.extend(internal)
        return seen_int, seen_ext

    # ----------------------------------------------------------------- the includes
    def check_file(self, rel, unit, allowed_int, allowed_ext, who):
        lib_folders = set(self.order)
        for n, line in enumerate(self.read(rel).splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            quote, header = m.groups()
            where = f"{rel}:{n}"
            if quote == "<":
                owners = [ext for ext, prefixes in EXTERNALS.values() if header.startswith(prefixes)]
                if owners and not set(owners) & allowed_ext:
                    self.problem(where, f"{who} may not include <{header}>: {' or '.join(owners)} is not declared "
                                        f"for it (it may use: {', '.join(sorted(allowed_ext)) or 'no external library'})")
                continue
            if "/" not in header:
                self.problem(where, f'"{header}": includes are rooted at lib/ (write "<folder>/{header}")')
                continue
            folder = header.split("/", 1)[0]
            if folder == "cli" and unit != "cli":
                if rel.startswith("lib/"):
                    self.problem(where, f"lib/ may not include cli/ ({header}): the CLI sits above every library")
                elif "cli" not in allowed_int:
                    self.problem(where, f"{who} may not include {header}: it does not link the CLI")
                continue
            if folder not in lib_folders and folder != "cli":
                self.problem(where, f'"{header}" is in no lib/ folder')
                continue
            if folder not in allowed_int:
                uses = sorted(allowed_int - {unit}, key=lambda u: self.order.index(u) if u in self.order else 99)
                self.problem(where, f"{who} may not include {header} "
                                    f"(it may use: {', '.join(uses) or 'no bbsot library'})")

    def check_includes(self):
        for unit in self.order + ["cli"]:
            base = "cli" if unit == "cli" else f"lib/{unit}"
            allowed_int, allowed_ext = self.closure([unit])
            who = "cli/" if unit == "cli" else f"lib/{unit}/"
            for f in sorted(os.listdir(os.path.join(self.root, base))):
                if f.endswith((".cpp", ".hpp")):
                    self.check_file(f"{base}/{f}", unit, allowed_int, allowed_ext, who)
        on_disk = set(os.listdir(os.path.join(self.root, "lib")))
        for d in sorted(on_disk):
            if os.path.isdir(os.path.join(self.root, "lib", d)) and d not in self.deps:
                self.problem(f"lib/{d}", "a folder lib/CMakeLists.txt does not declare with bbsot_library()")
        built = set()
        for name, (source, internal, external) in sorted(self.programs.items()):
            built.add(source)
            if not os.path.exists(os.path.join(self.root, source)):
                self.problem(source, f"the source of {name} is missing")
                continue
            allowed_int, allowed_ext = self.closure(internal)
            self.check_file(source, None, allowed_int, allowed_ext | set(external), name)
        for folder in ("helpers", "hooks"):
            for dirpath, _, files in os.walk(os.path.join(self.root, folder)):
                for f in files:
                    rel = os.path.relpath(os.path.join(dirpath, f), self.root)
                    if f.endswith((".cpp", ".hpp")) and rel not in built:
                        self.problem(rel, "a file in a program folder that no program is built from "
                                          "(shared code goes into lib/)")

    # ----------------------------------------------------------------- the doc's tables
    def table(self, doc, heading):
        """Rows (lists of cells) of the first table after the `## heading` line."""
        lines = doc.splitlines()
        try:
            start = next(i for i, l in enumerate(lines) if l.strip() == f"## {heading}")
        except StopIteration:
            self.problem("docs/ARCHITECTURE.md", f'no section "## {heading}"')
            return []
        rows, seen = [], False
        for l in lines[start + 1:]:
            if l.startswith("## "):
                break
            if l.startswith("|"):
                seen = True
                cells = [c.strip() for c in l.strip().strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    rows.append(cells)
            elif seen:
                break
        return rows[1:]  # without the header row

    @staticmethod
    def names(cell):
        return [n.rstrip("/") for n in re.findall(r"`([^`]+)`", cell)]

    def check_doc(self):
        doc = self.read("docs/ARCHITECTURE.md")
        rows = self.table(doc, "Layers")
        folders = [self.names(r[0])[0] if self.names(r[0]) else r[0] for r in rows]
        if folders != self.order:
            self.problem("docs/ARCHITECTURE.md", f"the Layers table lists {' '.join(folders)}; lib/CMakeLists.txt "
                                                 f"declares {' '.join(self.order)} (same folders, same order)")
        for r, folder in zip(rows, folders):
            if folder not in self.deps or len(r) < 4:
                continue
            headers = sorted(f[:-4] for f in os.listdir(os.path.join(self.root, "lib", folder)) if f.endswith(".hpp"))
            listed = sorted(self.names(r[1]))
            if listed != headers:
                self.problem("docs/ARCHITECTURE.md", f"{folder}/ lists modules {' '.join(listed)}; "
                                                     f"lib/{folder}/ has {' '.join(headers)}")
            internal, external = self.deps[folder]
            declared = sorted(internal + external)
            uses = sorted(self.names(r[3]))
            if uses != declared:
                self.problem("docs/ARCHITECTURE.md", f"{folder}/ uses {' '.join(uses) or 'nothing'} by the doc, "
                                                     f"{' '.join(declared) or 'nothing'} by lib/CMakeLists.txt")
        progs = {}
        for r in self.table(doc, "Programs"):
            installed = self.names(r[0])
            if installed:
                progs[os.path.basename(installed[0])] = r
        for name, (source, internal, external) in sorted(self.programs.items()):
            r = progs.pop(name, None)
            if r is None:
                self.problem("docs/ARCHITECTURE.md", f"the Programs table has no row for {name} ({source})")
                continue
            if source not in self.names(r[1]):
                self.problem("docs/ARCHITECTURE.md", f"{name}: built from {source}, the doc says {r[1]}")
            links = sorted(self.names(r[2]))
            if links != sorted(internal + external):
                self.problem("docs/ARCHITECTURE.md", f"{name} links {' '.join(links) or 'nothing'} by the doc, "
                                                     f"{' '.join(sorted(internal + external)) or 'nothing'} by CMake")
        for name in progs:
            self.problem("docs/ARCHITECTURE.md", f"the Programs table names {name}, which CMake does not build")

    def run(self):
        self.load_cmake()
        self.check_includes()
        self.check_doc()
        return self.problems


def check(root):
    return Tree(root).run()


def self_test(root):
    """Each planted violation must be found, naming the file; the tree as it is must pass."""
    plants = [
        ("lib/base/text.hpp", '#include "net/http.hpp"', "lib/base/text.hpp:"),
        ("lib/config/secret.cpp", '#include "cli/options.hpp"', "lib/ may not include cli/"),
        ("lib/token/token_cache.cpp", "#include <curl/curl.h>", "<curl/curl.h>"),
        ("lib/git/git_cli.cpp", '#include "git_dir.hpp"', "rooted at lib/"),
        ("hooks/reference-transaction.cpp", '#include "base/error.hpp"', "reference-transaction may not include"),
        ("helpers/git-credential-bbsot.cpp", '#include "net/http.hpp"', "git-credential-bbsot may not include"),
        ("helpers/git-credential-bbsot.cpp", "#include <git2.h>", "<git2.h>"),
        ("hooks/pre-push.cpp", '#include "cli/options.hpp"', "pre-push may not include cli/"),
    ]
    # (file, old, new, expected words): edits of the CMake files and the doc.
    edits = [
        ("lib/CMakeLists.txt", "bbsot_library(bitbucket bbsot_config)", "bbsot_library(bitbucket bbsot_config bbsot_net)",
         "declared after it"),
        ("docs/ARCHITECTURE.md", "| `base/` |", "| `basis/` |", "the Layers table lists"),
    ]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        def fresh():
            copy = os.path.join(tmp, "tree")
            shutil.rmtree(copy, ignore_errors=True)
            for d in ("lib", "cli", "hooks", "helpers"):
                shutil.copytree(os.path.join(root, d), os.path.join(copy, d))
            os.makedirs(os.path.join(copy, "docs"))
            shutil.copy(os.path.join(root, "docs/ARCHITECTURE.md"), os.path.join(copy, "docs"))
            return copy

        base = check(fresh())
        if base:
            failures.append("the unchanged copy does not pass:\n  " + "\n  ".join(base))
        for rel, line, expected in plants:
            copy = fresh()
            path = os.path.join(copy, rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with open(path, "w", encoding="utf-8") as f:
                f.write(line + "\n" + text)
            found = check(copy)
            if not any(expected in p and p.startswith(rel) for p in found):
                failures.append(f"planting {line} in {rel}: not found (got: {found})")
        for rel, old, new, expected in edits:
            copy = fresh()
            path = os.path.join(copy, rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if old not in text:
                failures.append(f"self-test: {rel} no longer contains {old!r}; update the self-test")
                continue
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new, 1))
            found = check(copy)
            if not any(expected in p for p in found):
                failures.append(f"editing {rel} ({new}): not found (got: {found})")
        # A new folder nobody declared.
        copy = fresh()
        os.makedirs(os.path.join(copy, "lib/extra"))
        if not any(p.startswith("lib/extra") for p in check(copy)):
            failures.append("an undeclared lib/extra/ was not found")
    for f in failures:
        print(f"check_layers self-test: {f}")
    if not failures:
        print(f"check_layers self-test: {len(plants) + len(edits) + 1} planted violations found, the tree passes")
    return 1 if failures else 0


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test(root)
    if len(argv) > 1:
        root = argv[1]
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"layering: {len(problems)} violation(s); the rule and the tables: docs/ARCHITECTURE.md", file=sys.stderr)
        return 1
    print("layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
