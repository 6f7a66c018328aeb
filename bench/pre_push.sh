#!/usr/bin/env bash
# Cost of bbsot's pre-push hook alone on a push of 1, 1,000, 10,000 and 100,000 new branches
# to the source remote (read the clone record, parse, classify, write the pending outbox
# record durably, spawn the watcher), against the same hook on a remote that is not the
# source (start-up, clone record and stdin parsing only) and an empty C program; goals
# (issue 13): a one-ref push at most 5 x the empty C program, at most 50 ms at 10,000 refs,
# growing linearly. The detached watcher each run starts is stopped after the run, untimed.
# Branches are written to packed-refs directly (see make_repo).
# Usage: bench/pre_push.sh [BUILD_DIR]     (env: RUNS=9, SIZES="1 1000 10000 100000")
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-9}
SIZES=${SIZES:-1 1000 10000 100000}
bench_init "${1:-}"
HOOK=$LIBEXEC/hooks/pre-push
need_program "$HOOK"
need_program "$LIBEXEC/bbsot-deliver"
need_program "$STAGE/bin/git-bbsot"
export PATH="$STAGE/bin:$PATH"
mkdir -p "$HOME/.config/bbsot" && chmod 700 "$HOME/.config/bbsot"
mkdir -p "$TMP/bin"
compile_c "$TMP/bin/empty" 'int main(void) { return 0; }'
# An empty program that loads exactly the shared libraries the hook asks for: the floor of
# its start-up before it does any work.
# (The loader is not a library to link: it comes with every dynamic program.)
needed=$(readelf -d "$HOOK" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/-l:\1/p' | grep -v -- '-l:ld-linux' | tr '\n' ' ')
printf 'int main() { return 0; }\n' >"$TMP/empty_linked.cpp"
# shellcheck disable=SC2086
c++ -O2 -o "$TMP/bin/empty-linked" "$TMP/empty_linked.cpp" -Wl,--no-as-needed $needed ||
  die "cannot link an empty program against $needed"

# One work tree per size N holding N branches (a push of N refs comes from a repository
# that has them), each with a local bare repository as its source remote, set up by
# `git bbsot init` as a user would. HEAD~1 is on the remote, HEAD is not, so half the
# branches carry one new commit and half none.
make_repo() {
  local n=$1 w=$TMP/work-$1 head prev t0
  t0=$(date +%s)
  git init -q --bare "$TMP/origin-$n.git"
  git init -q "$w"
  git -C "$w" config gc.auto 0
  git -C "$w" remote add origin "$TMP/origin-$n.git"
  git -C "$w" commit -q --allow-empty -m "initial"
  git -C "$w" push -q origin main
  (cd "$w" && git bbsot init --yes --repository acme/shop --source-remote origin --hook-url http://127.0.0.1:9/hook >/dev/null) ||
    die "git bbsot init failed in $w"
  git -C "$w" commit -q --allow-empty -m "not pushed yet"
  head=$(git -C "$w" rev-parse HEAD)
  prev=$(git -C "$w" rev-parse HEAD~1)
  # The branches go straight into packed-refs, as `git pack-refs --all` would leave them:
  # `git update-ref --stdin` writes 100,000 loose refs first, which took 30 s to 5 min here.
  git -C "$w" pack-refs --all
  {
    cat "$w/.git/packed-refs"
    awk -v n="$n" -v a="$head" -v b="$prev" \
      'BEGIN { for (i = 0; i < n; i++) printf "%s refs/heads/b%d\n", (i % 2 ? b : a), i }'
  } | grep -v '^#' | LC_ALL=C sort -k2,2 >"$w/.git/packed-refs.new"
  { echo '# pack-refs with: peeled fully-peeled sorted '; cat "$w/.git/packed-refs.new"; } >"$w/.git/packed-refs"
  rm "$w/.git/packed-refs.new"
  [ "$(git -C "$w" for-each-ref refs/heads/ | wc -l)" = $((n + 1)) ] || die "git does not see $n branches in $w"
  [ "$(git -C "$w" rev-parse "refs/heads/b$((n - 1))")" = "$( [ $(((n - 1) % 2)) = 1 ] && echo "$prev" || echo "$head")" ] ||
    die "packed-refs of $w is not what git reads"
  awk -v n="$n" -v a="$head" -v b="$prev" -v z=0000000000000000000000000000000000000000 \
    'BEGIN { for (i = 0; i < n; i++) printf "refs/heads/b%d %s refs/heads/b%d %s\n", i, (i % 2 ? b : a), i, z }' \
    >"$TMP/stdin.$n"
  echo "(set-up: a repository with $n branches in $(($(date +%s) - t0)) s)"
}
max=0
for n in $SIZES; do
  make_repo "$n"
  [ "$n" -gt "$max" ] && max=$n
done

export BBSOT_QUIET=1 BBSOT_LIBEXEC_DIR=$LIBEXEC

# Run after every run (untimed): stop the watcher the run started, found by its argv, then
# drop the outbox.
cat >"$TMP/between.sh" <<SH
#!/bin/bash
set -u
for gd in $TMP/work-*/.git; do
  [ -d "\$gd/bbsot/outbox" ] || continue
  for p in /proc/[0-9]*; do
    args=()
    { while IFS= read -r -d '' a; do args+=("\$a"); done; } 2>/dev/null <"\$p/cmdline" || continue
    [ "\${#args[@]}" -ge 3 ] || continue
    # Before the push it serves ends (here: never, as the harness is its parent) the
    # watcher is a sleeping copy of the hook; after, bbsot-deliver watch GIT_DIR ID.
    if [ "\${args[0]}" = "$HOOK" ]; then kill "\${p#/proc/}" 2>/dev/null; continue; fi
    case "\${args[0]}" in */bbsot-deliver) ;; *) continue ;; esac
    [ "\${args[1]}" = watch ] || continue
    case "\${args[2]}" in "\$gd"*) kill "\${p#/proc/}" 2>/dev/null ;; esac
  done
  rm -rf "\$gd/bbsot/outbox" "\$gd/bbsot/notices"
done
SH
chmod +x "$TMP/between.sh"

# One checked run: the push is recorded and nothing is printed.
n=${SIZES%% *}
out=$(cd "$TMP/work-$n" && "$HOOK" origin "$TMP/origin-$n.git" <"$TMP/stdin.$n" 2>&1) || die "pre-push failed: $out"
[ -z "$out" ] || die "pre-push printed: $out"
ls "$TMP/work-$n/.git/bbsot/outbox/"* >/dev/null 2>&1 || die "pre-push recorded nothing in $TMP/work-$n/.git/bbsot/outbox"
"$TMP/between.sh"

echo "== pre-push: push of N new branches (median of $RUNS interleaved runs)"
machine_line
echo "hook links: $(ldd "$HOOK" | awk '{print $1}' | grep -v '^linux-vdso' | tr '\n' ' ')"
echo
variants=()
for n in $SIZES; do
  variants+=(--variant "source-$n" "$TMP/stdin.$n" "$HOOK origin $TMP/origin-$n.git")
  variants+=(--variant-cwd "source-$n" "$TMP/work-$n")
  variants+=(--variant "other-$n" "$TMP/stdin.$n" "$HOOK elsewhere https://example.com/elsewhere.git")
  variants+=(--variant-cwd "other-$n" "$TMP/work-$n")
done
variants+=(--variant empty-c "$TMP/stdin.$max" "$TMP/bin/empty")
variants+=(--variant empty-linked "$TMP/stdin.$max" "$TMP/bin/empty-linked")
harness --runs "$RUNS" --warmup 1 --baseline empty-c --cwd "$TMP" --between "$TMP/between.sh" \
  --json "$TMP/pre_push.json" "${variants[@]}"
echo "  source-N: push of N new branches to the source (recorded); other-N: the same stdin, remote"
echo "  not the source (start-up, config, stdin parsing only); empty-c: an empty C program;"
echo "  empty-linked: an empty program linked to the hook's own NEEDED libraries: $needed"

# shellcheck disable=SC2086
python3 - "$TMP/pre_push.json" $SIZES <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sizes = [int(x) for x in sys.argv[2:]]
m = {k: v["median_ms"] for k, v in r.items()}
print()
print("%8s %11s %14s %16s %11s" % ("refs", "source ms", "ms/1000 refs", "marginal ms/1k", "other ms"))
prev = None
for n in sizes:
    s, o = m["source-%d" % n], m["other-%d" % n]
    marginal = "%16.2f" % ((s - prev[1]) / (n - prev[0]) * 1000) if prev else "%16s" % "-"
    per = "%14.2f" % (s / n * 1000) if n >= 1000 else "%14s" % "-"
    print("%8d %11.1f %s %s %11.1f" % (n, s, per, marginal, o))
    prev = (n, s)
print("start-up floor: empty C %.1f ms, loading the hook's libraries %.1f ms" % (m["empty-c"], m["empty-linked"]))
if 1 in sizes:
    r = m["source-1"] / m["empty-c"]
    print("one-ref push: %.2f x an empty C program (goal <= 5 x: %s)" % (r, "met" if r <= 5 else "MISSED"))
if 10000 in sizes:
    s = m["source-10000"]
    print("at 10,000 refs: %.1f ms (goal <= 50 ms: %s)" % (s, "met" if s <= 50 else "MISSED by %.0f ms" % (s - 50)))
PY
