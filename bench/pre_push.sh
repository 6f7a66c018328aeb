#!/usr/bin/env bash
# Cost of bbsot's pre-push hook on a push of 1,000, 10,000 and 100,000 new branches to the
# source remote (parse, classify, analyse with libgit2, write the outbox record, spawn
# the watcher), against the same hook on a remote that is not the source (start-up,
# configuration and stdin parsing only) and an empty program; goal: <= 100 ms at 10,000
# refs, growing linearly. The detached watcher each run starts is killed after the run.
# Branches are written to packed-refs directly (see make_repo).
# Usage: bench/pre_push.sh [BUILD_DIR]     (env: RUNS=5, SIZES="1000 10000 100000")
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-5}
SIZES=${SIZES:-1000 10000 100000}
bench_init "${1:-}"
HOOK=$LIBEXEC/hooks/pre-push
need_program "$HOOK"
need_program "$LIBEXEC/bbsot-deliver"
mkdir -p "$TMP/bin"
compile_c "$TMP/bin/empty" 'int main(void) { return 0; }'
# An empty program that loads exactly the shared libraries the hook asks for: the floor of
# its start-up before it does any work.
needed=$(readelf -d "$HOOK" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/-l:\1/p' | tr '\n' ' ')
printf 'int main() { return 0; }\n' >"$TMP/empty_linked.cpp"
# shellcheck disable=SC2086
c++ -O2 -o "$TMP/bin/empty-linked" "$TMP/empty_linked.cpp" -Wl,--no-as-needed $needed ||
  die "cannot link an empty program against $needed"
# The same plus git_libgit2_init(): what every libgit2 program pays before any work.
printf '#include <git2.h>\nint main(void) { return git_libgit2_init() > 0 ? 0 : 1; }\n' >"$TMP/libgit2_init.c"
# shellcheck disable=SC2046,SC2086
cc -O2 -o "$TMP/bin/libgit2-init" "$TMP/libgit2_init.c" $(pkg-config --cflags libgit2) -Wl,--no-as-needed $needed ||
  die "cannot build the libgit2 start-up baseline"

# One work tree per size N holding N branches (a push of N refs comes from a repository
# that has them), each with a local bare repository as its source remote. HEAD~1 is on
# the remote, HEAD is not, so half the branches carry one new commit and half none.
make_repo() {
  local n=$1 w=$TMP/work-$1 head prev t0
  t0=$(date +%s)
  git init -q --bare "$TMP/origin-$n.git"
  git init -q "$w"
  git -C "$w" config gc.auto 0
  cat >"$w/.bbsot.yml" <<'YML'
integration:
  type: bitbucket
  repository: acme/shop
  hook_url: http://127.0.0.1:9/hook
remotes:
  source: origin
YML
  git -C "$w" add .bbsot.yml
  git -C "$w" commit -q -m "bbsot config"
  git -C "$w" remote add origin "$TMP/origin-$n.git"
  git -C "$w" push -q origin main
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

# Run after every run (untimed): kill the watcher the run started, by pid, found by its
# argv (bbsot-deliver watch <this work tree's git dir> ID), then drop the outbox.
cat >"$TMP/between.sh" <<SH
#!/bin/bash
set -u
for gd in $TMP/work-*/.git; do
if [ -e "\$gd/bbsot-armed" ]; then
  for _ in \$(seq 300); do
    found=
    for p in /proc/[0-9]*; do
      args=()
      { while IFS= read -r -d '' a; do args+=("\$a"); done; } 2>/dev/null <"\$p/cmdline" || continue
      [ "\${#args[@]}" -ge 4 ] || continue
      case "\${args[0]}" in */bbsot-deliver) ;; *) continue ;; esac
      [ "\${args[1]}" = watch ] || continue
      case "\${args[2]}" in "\$gd"*) kill "\${p#/proc/}" 2>/dev/null && found=1 ;; esac
    done
    [ -n "\$found" ] && break
    sleep 0.01
  done
  [ -n "\$found" ] || echo "between.sh: no watcher found to stop" >&2
fi
rm -rf "\$gd/bbsot" "\$gd/bbsot-armed"
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
variants+=(--variant libgit2-init "$TMP/stdin.$max" "$TMP/bin/libgit2-init")
harness --runs "$RUNS" --warmup 1 --baseline empty-c --cwd "$TMP" --between "$TMP/between.sh" \
  --json "$TMP/pre_push.json" "${variants[@]}"
echo "  source-N: push of N new branches to the source (recorded); other-N: the same stdin, remote"
echo "  not the source (start-up, config, stdin parsing only); empty-c: an empty C program;"
echo "  empty-linked: an empty program linked to the hook's own NEEDED libraries: $needed"
echo "  libgit2-init: the same, calling git_libgit2_init() only"

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
    print("%8d %11.1f %14.2f %s %11.1f" % (n, s, s / n * 1000, marginal, o))
    prev = (n, s)
print("start-up floor: empty C %.1f ms, loading the hook's libraries %.1f ms, plus git_libgit2_init() %.1f ms" % (
    m["empty-c"], m["empty-linked"], m["libgit2-init"]))
if 10000 in sizes:
    s = m["source-10000"]
    print("at 10,000 refs: %.1f ms (goal <= 100 ms: %s)" % (s, "met" if s <= 100 else "MISSED by %.0f ms" % (s - 100)))
PY
