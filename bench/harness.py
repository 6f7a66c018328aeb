#!/usr/bin/env python3
"""Interleaved start-up timing harness for the bbsot benchmarks (python3 stdlib only).

Each variant is one command (argv, no shell) with an optional stdin file. Runs are
interleaved A,B,C,A,B,C,... so that the machine's noise (2 shared cores) hits every
variant alike; the order inside a round is rotated so that no variant always follows
the same one. Each run is timed with perf_counter_ns around posix_spawn + wait4, so the
figure is the whole process (exec, dynamic loading, work, exit) plus a constant spawn
cost that is the same for every variant.

Usage:
  harness.py --runs N [--warmup W] [--baseline NAME] [--json FILE] [--cwd DIR]
             [--between 'SHELL COMMAND']
             --variant NAME STDIN_FILE_OR_- 'COMMAND' [--expect NAME SUBSTRING] ...
COMMAND is split with shlex (no shell). --expect checks the stdout of the warm-up runs.
--between runs (with sh -c, untimed) after every run, e.g. to clean up what a run left.
--variant-cwd NAME DIR runs that variant in DIR (default: --cwd, else the current one).
Prints a table: median, p10, p90, min (ms) and the ratio of the median to the
baseline's median. (No RSS here: wait4's ru_maxrss of a posix_spawn child includes the
parent's pages from before exec; measure RSS with /usr/bin/time against a baseline.)
"""
import argparse
import json
import os
import shlex
import statistics
import sys
import time


class Variant:
    def __init__(self, name, stdin, command):
        self.name = name
        self.stdin = None if stdin == "-" else stdin
        self.argv = shlex.split(command)
        self.times = []
        self.cpu = []
        self.expect = None
        self.cwd = None


def spawn_once(v, capture):
    """Runs the variant once; returns (ns, stdout bytes or None, exit status)."""
    actions = []
    fds = []
    stdin_fd = os.open(v.stdin or os.devnull, os.O_RDONLY)
    fds.append(stdin_fd)
    actions.append((os.POSIX_SPAWN_DUP2, stdin_fd, 0))
    rd = wr = None
    if capture:
        rd, wr = os.pipe()
        fds.append(wr)
        actions.append((os.POSIX_SPAWN_DUP2, wr, 1))
    else:
        null = os.open(os.devnull, os.O_WRONLY)
        fds.append(null)
        actions.append((os.POSIX_SPAWN_DUP2, null, 1))
    if v.cwd:
        os.chdir(v.cwd)  # in the parent: posix_spawn has no chdir action before 3.13
    try:
        t0 = time.perf_counter_ns()
        pid = os.posix_spawnp(v.argv[0], v.argv, os.environ, file_actions=actions)
        if capture:
            os.close(wr)
            fds.remove(wr)
            chunks = []
            while True:
                b = os.read(rd, 65536)
                if not b:
                    break
                chunks.append(b)
        _, status, ru = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
    finally:
        for fd in fds:
            os.close(fd)
        if rd is not None:
            os.close(rd)
    out = b"".join(chunks) if capture else None
    # CPU of the process and every descendant it waited for (git waits for its hooks; a
    # detached deliverer is not included: it is measured on its own, see bench/push.sh).
    cpu = int((ru.ru_utime + ru.ru_stime) * 1e9)
    return t1 - t0, out, os.waitstatus_to_exitcode(status), cpu


def between(cmd):
    if cmd:
        pid = os.posix_spawn("/bin/sh", ["sh", "-c", cmd], os.environ)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("harness: --between command failed")


def warm_up(variants, rounds, between_cmd):
    for _ in range(rounds):
        for v in variants:
            _, out, code, _ = spawn_once(v, True)
            between(between_cmd)
            if code != 0:
                sys.exit("harness: variant %s exited %d" % (v.name, code))
            if v.expect is not None and v.expect.encode() not in out:
                sys.exit("harness: variant %s: output lacks %r" % (v.name, v.expect))


def measure(variants, runs, between_cmd):
    n = len(variants)
    for r in range(runs):
        for i in range(n):
            v = variants[(i + r) % n]
            ns, _, code, cpu = spawn_once(v, False)
            between(between_cmd)
            if code != 0:
                sys.exit("harness: variant %s exited %d" % (v.name, code))
            v.times.append(ns)
            v.cpu.append(cpu)


def pct(sorted_ns, p):
    k = min(len(sorted_ns) - 1, max(0, int(round(p / 100.0 * (len(sorted_ns) - 1)))))
    return sorted_ns[k]


def report(variants, baseline, runs):
    base = next((v for v in variants if v.name == baseline), None)
    base_med = statistics.median(base.times) if base else None
    width = max(len(v.name) for v in variants)
    base_cpu = statistics.median(base.cpu) if base else None
    print("%-*s %9s %9s %9s %9s %8s %9s %8s" % (width, "variant", "median", "p10", "p90", "min", "ratio", "cpu", "ratio"))
    print("%-*s %9s %9s %9s %9s %8s %9s %8s" % (width, "", "ms", "ms", "ms", "ms",
                                                "/" + (baseline or "-")[:7], "ms", "cpu"))
    rows = {}
    for v in variants:
        s = sorted(v.times)
        med = statistics.median(s)
        ratio = med / base_med if base_med else float("nan")
        cpu = statistics.median(v.cpu)
        cpu_ratio = cpu / base_cpu if base_cpu else float("nan")
        rows[v.name] = {"median_ms": med / 1e6, "p10_ms": pct(s, 10) / 1e6,
                        "p90_ms": pct(s, 90) / 1e6, "min_ms": s[0] / 1e6,
                        "ratio": ratio, "runs": len(s), "cpu_ms": cpu / 1e6, "cpu_ratio": cpu_ratio}
        print("%-*s %9.3f %9.3f %9.3f %9.3f %8.2f %9.3f %8.2f" % (
            width, v.name, med / 1e6, pct(s, 10) / 1e6, pct(s, 90) / 1e6, s[0] / 1e6, ratio, cpu / 1e6, cpu_ratio))
    print("(%d interleaved runs per variant)" % runs)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=300)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--baseline")
    p.add_argument("--json")
    p.add_argument("--cwd")
    p.add_argument("--between")
    p.add_argument("--variant", nargs=3, action="append", metavar=("NAME", "STDIN", "COMMAND"),
                   required=True)
    p.add_argument("--variant-cwd", nargs=2, action="append", default=[], metavar=("NAME", "DIR"))
    p.add_argument("--expect", nargs=2, action="append", default=[], metavar=("NAME", "TEXT"))
    a = p.parse_args()
    variants = [Variant(*x) for x in a.variant]
    by_name = {v.name: v for v in variants}
    for name, text in a.expect:
        by_name[name].expect = text
    if a.cwd:
        os.chdir(a.cwd)
    for v in variants:
        v.cwd = os.path.abspath(a.cwd or ".")
    for name, d in a.variant_cwd:
        by_name[name].cwd = os.path.abspath(d)
    warm_up(variants, a.warmup, a.between)
    measure(variants, a.runs, a.between)
    rows = report(variants, a.baseline, a.runs)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
