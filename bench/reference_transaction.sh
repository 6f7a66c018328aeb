#!/usr/bin/env bash
# Cost of bbsot's reference-transaction hook on `git commit` when nothing is pending (not
# armed), against no hook, an empty compiled program and a `#!/bin/sh` hook (docs/DESIGN.md
# "Start-up budget"); goal: extra(bbsot) / extra(empty program) <= 1.1.
# Each variant has its own repository with its hook fixed, and the commits are
# interleaved one by one across the variants (a, b, c, d, b, c, d, a, ...).
# Usage: bench/reference_transaction.sh [BUILD_DIR]     (env: COMMITS=500, DIRECT_RUNS=500)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

COMMITS=${COMMITS:-500}
DIRECT_RUNS=${DIRECT_RUNS:-500}
bench_init "${1:-}"
HOOK=$LIBEXEC/hooks/reference-transaction
need_program "$HOOK"

mkdir -p "$TMP/bin"
compile_c "$TMP/bin/empty" 'int main(void) { return 0; }'

new_repo() {
  git init -q "$TMP/$1"
  git -C "$TMP/$1" config gc.auto 0  # no auto-gc in the middle of a variant's commits
  git -C "$TMP/$1" commit -q --allow-empty -m init
}
new_repo none
new_repo empty
cp "$TMP/bin/empty" "$TMP/empty/.git/hooks/reference-transaction"
new_repo shell
printf '#!/bin/sh\nexit 0\n' >"$TMP/shell/.git/hooks/reference-transaction"
chmod +x "$TMP/shell/.git/hooks/reference-transaction"
new_repo bbsot
ln -s "$HOOK" "$TMP/bbsot/.git/hooks/reference-transaction"
[ ! -e "$TMP/bbsot/.git/bbsot-armed" ] || die "bbsot repository is armed"

echo "== reference-transaction: git commit --allow-empty, per commit (the hook runs twice per commit)"
machine_line
echo "hook links: $(ldd "$HOOK" | awk '{print $1}' | grep -v '^linux-vdso' | tr '\n' ' ')"
echo
commit() { echo "git -C $TMP/$1 commit --allow-empty -q -m x"; }
harness --runs "$COMMITS" --warmup 2 --baseline none --json "$TMP/commit.json" \
  --variant none - "$(commit none)" \
  --variant empty - "$(commit empty)" \
  --variant shell - "$(commit shell)" \
  --variant bbsot - "$(commit bbsot)"
for v in none empty shell bbsot; do
  n=$(git -C "$TMP/$v" rev-list --count HEAD)
  [ "$n" = $((COMMITS + 3)) ] || die "$v has $n commits, expected $((COMMITS + 3))"
done
echo "  none: no hook; empty: cc -O2 'int main(){return 0;}'; shell: #!/bin/sh exit 0; bbsot: symlink to $HOOK"

# The hook alone, as git runs it for the "prepared" state, in the bbsot repository.
printf '0000000000000000000000000000000000000000 %s HEAD\n' "$(git -C "$TMP/bbsot" rev-parse HEAD)" >"$TMP/tx"
echo
echo "== the hook program alone (argv: prepared; cwd: the work tree)"
harness --runs "$DIRECT_RUNS" --warmup 3 --baseline empty --cwd "$TMP/bbsot" --json "$TMP/direct.json" \
  --variant empty "$TMP/tx" "$TMP/bin/empty prepared" \
  --variant bbsot "$TMP/tx" ".git/hooks/reference-transaction prepared" \
  --variant bbsot-commit "$TMP/tx" ".git/hooks/reference-transaction committed"

python3 - "$TMP/commit.json" "$TMP/direct.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
m = {k: v["median_ms"] for k, v in r.items()}
extra = {k: m[k] - m["none"] for k in ("empty", "shell", "bbsot")}
print()
print("%-6s %12s %14s" % ("hook", "per commit", "extra vs none"))
for k in ("none", "empty", "shell", "bbsot"):
    print("%-6s %9.3f ms %11s" % (k, m[k], "" if k == "none" else "%+.3f ms" % extra[k]))
if extra["empty"] > 0:
    ratio = extra["bbsot"] / extra["empty"]
    print("extra(bbsot)/extra(empty) = %.2f (goal <= 1.1: %s)" % (ratio, "met" if ratio <= 1.1 else "MISSED"))
else:
    print("extra(empty) <= 0: the noise swamps the hook; rerun with more COMMITS")
print("alone: bbsot/empty = %.2f (prepared), %.2f (committed, not armed)" % (
    d["bbsot"]["ratio"], d["bbsot-commit"]["ratio"]))
PY
