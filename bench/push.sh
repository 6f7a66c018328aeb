#!/usr/bin/env bash
# The whole user-visible operation, with bbsot against without it (issue 13), each pair
# interleaved in one run and quoted as a ratio:
#   push-N    `git push` of N new branches (N in SIZES) to a local bare remote
#   commit    one commit + push of one branch (wall and CPU of the foreground)
#   idle      a commit with no report waiting, and with 5,000 waiting, vs no hooks
#   deliver   delivery of 1,000 and 5,000 waiting records to a local receiver (records/s)
# plus the detached work a push starts (the deliverer's CPU until the report is delivered
# to a receiver answering 200), from the deliverer's own `cpu` trace line.
# Usage: bench/push.sh [BUILD_DIR]   (env: SIZES="1 100 2000 10000", RUNS=9, BIG_RUNS=3)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SIZES=${SIZES:-1 100 2000 10000}
RUNS=${RUNS:-9}
BIG_RUNS=${BIG_RUNS:-3}
bench_init "${1:-}"
need_program "$STAGE/bin/git-bbsot"
need_program "$LIBEXEC/bbsot-deliver"
export PATH="$STAGE/bin:$PATH" BBSOT_LINGER_SECONDS=0 BBSOT_QUIET=1
export BBSOT_CONFIG=$HOME/.config/bbsot/config.yml
mkdir -p "$HOME/.config/bbsot" && chmod 700 "$HOME/.config/bbsot"

# The integration's stand-in: the receiver double, answering 200.
python3 "$ROOT/tests/support/receiver.py" --port-file "$TMP/receiver.port" --log "$TMP/receiver.log" \
  --state-dir "$TMP/receiver" >/dev/null 2>&1 &
CLEANUP_PIDS+=($!)
for _ in $(seq 100); do [ -s "$TMP/receiver.port" ] && break; sleep 0.05; done
HOOK_URL="http://127.0.0.1:$(cat "$TMP/receiver.port")/hook"

# A work tree with a bare `origin`, set up by `git bbsot init` (the source), N branches at
# one commit the remote does not have yet, written into packed-refs directly.
make_repo() {
  local name=$1 n=$2 w=$TMP/$1 sha
  git init -q --bare "$TMP/$name-origin.git"
  git init -q "$w"
  git -C "$w" config gc.auto 0
  git -C "$w" remote add origin "$TMP/$name-origin.git"
  git -C "$w" commit -q --allow-empty -m initial
  git -C "$w" push -q origin main
  (cd "$w" && git bbsot init --yes --repository acme/shop --source-remote origin --hook-url "$HOOK_URL" >/dev/null) ||
    die "git bbsot init failed in $w"
  git -C "$w" commit -q --allow-empty -m "the tip of every branch"
  # Packed, so the reset between runs can remove the loose-ref directories whole.
  git -C "$TMP/$name-origin.git" pack-refs --all
  git -C "$w" pack-refs --all
  sha=$(git -C "$w" rev-parse HEAD)
  if [ "$n" -gt 0 ]; then
    git -C "$w" pack-refs --all
    { grep -v '^#' "$w/.git/packed-refs"; awk -v n="$n" -v a="$sha" 'BEGIN { for (i = 0; i < n; i++) printf "%s refs/heads/b%d\n", a, i }'; } |
      LC_ALL=C sort -k2,2 >"$w/.git/packed-refs.new"
    { echo '# pack-refs with: peeled fully-peeled sorted '; cat "$w/.git/packed-refs.new"; } >"$w/.git/packed-refs"
    rm "$w/.git/packed-refs.new"
  fi
}

# Between timed runs (untimed): wait until the run's deliverer is done, keep its CPU line,
# then put remote and tracking refs back as they were, so every run pushes N new branches.
cat >"$TMP/reset.sh" <<'SH'
#!/bin/bash
set -u
w=$1
# The watcher is a sleeping copy of the pre-push hook until the push ends (its argv names
# this remote), then bbsot-deliver: wait for both.
for _ in $(seq 6000); do pgrep -f "(bbsot-deliver|pre-push) .*$w" >/dev/null || break; sleep 0.05; done
if [ -f "$w.trace" ]; then grep -o 'deliver: done, cpu [0-9.]* ms' "$w.trace" | awk '{print $4}' >>"$w.cpu"; : >"$w.trace"; fi
# The directories are made anew, not emptied: a directory that once held 10,000 entries
# stays large on ext4 and slows every later lookup in it, run after run. Everything else
# in them is packed (make_repo).
for d in "$w-origin.git/refs/heads" "$w/.git/refs/remotes/origin" "$w/.git/logs/refs/remotes/origin"; do
  rm -rf "$d" && mkdir -p "$d"
done
[ -d "$w/.git/bbsot/outbox" ] && find "$w/.git/bbsot/outbox" -maxdepth 1 -name "*.json" -delete
exit 0
SH
chmod +x "$TMP/reset.sh"

echo "== bench/push.sh: the push with bbsot against the push without it"
machine_line
echo

for n in $SIZES; do
  make_repo "push-$n" "$n"
  w=$TMP/push-$n
  runs=$RUNS
  [ "$n" -ge 2000 ] && runs=$BIG_RUNS
  echo "-- push of $n new branch(es) ($runs interleaved runs each)"
  BBSOT_TRACE=$w.trace harness --runs "$runs" --warmup 1 --baseline nohooks --cwd "$w" --between "$TMP/reset.sh $w" \
    --json "$TMP/push-$n.json" \
    --variant nohooks - "git -c core.hooksPath=/nonexistent push -q origin refs/heads/b*:refs/heads/b*" \
    --variant bbsot - "git push -q origin refs/heads/b*:refs/heads/b*"
  [ "$(wc -l <"$TMP/receiver.log")" -gt 0 ] || die "no report reached the receiver for push-$n"
  echo "   detached work per push (the deliverer's CPU, median): $(median <"$w.cpu") ms over $(wc -l <"$w.cpu") runs"
  : >"$TMP/receiver.log"
  echo
done

echo "-- one commit + push of one branch ($RUNS interleaved runs each)"
make_repo commit 0
w=$TMP/commit
BBSOT_TRACE=$w.trace harness --runs "$RUNS" --warmup 2 --baseline nohooks --cwd "$w" --between "$TMP/reset.sh $w" \
  --variant nohooks - "sh -c 'git commit -q --allow-empty -m c && git -c core.hooksPath=/nonexistent push -q origin HEAD:refs/heads/one'" \
  --variant bbsot - "sh -c 'git commit -q --allow-empty -m c && git push -q origin HEAD:refs/heads/one'"
echo "   detached work per push (the deliverer's CPU, median): $(median <"$w.cpu") ms"
echo

echo "-- a commit, with no report waiting and with 5,000 waiting ($RUNS interleaved runs each)"
make_repo idle 0
make_repo waiting 0
# 5,000 ready records for a destination this clone has not approved: they wait.
python3 - "$TMP/waiting/.git/bbsot/outbox" <<'PY'
import json, os, sys, uuid
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
for i in range(5000):
    rid = str(uuid.uuid4())
    rec = {"version": 2, "id": rid, "state": "ready", "created": 1700000000 + i, "remote": "origin",
           "destination": {"type": "bitbucket", "url": "https://bitbucket.org", "repository": "other/repo",
                           "hook_url": "https://unapproved.example/hook"},
           "analysed": True, "commits": {}, "changes": [{"ref": "refs/heads/b%d" % i, "new": "a" * 40, "created": True,
                                                         "landed": True, "commits": []}]}
    with open(os.path.join(d, rid + ".json"), "w") as f:
        json.dump(rec, f)
PY
harness --runs "$RUNS" --warmup 2 --baseline nohooks \
  --variant nohooks - "git -C $TMP/idle -c core.hooksPath=/nonexistent commit -q --allow-empty -m c" \
  --variant bbsot-idle - "git -C $TMP/idle commit -q --allow-empty -m c" \
  --variant bbsot-5000-waiting - "git -C $TMP/waiting commit -q --allow-empty -m c"
echo

echo "-- delivery of waiting records to the local receiver"
for n in 1000 5000; do
  make_repo "deliver-$n" 0
  d=$TMP/deliver-$n/.git/bbsot/outbox
  python3 - "$d" "$n" "$HOOK_URL" <<'PY'
import json, os, sys, uuid
d, n, hook = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(d, exist_ok=True)
for i in range(n):
    rid = str(uuid.uuid4())
    rec = {"version": 2, "id": rid, "state": "ready", "created": 1700000000 + i, "remote": "origin",
           "destination": {"type": "bitbucket", "url": "https://bitbucket.org", "repository": "acme/shop", "hook_url": hook},
           "analysed": True, "commits": {}, "changes": [{"ref": "refs/heads/b%d" % i, "new": "a" * 40, "created": True,
                                                         "landed": True, "commits": []}]}
    with open(os.path.join(d, rid + ".json"), "w") as f:
        json.dump(rec, f)
PY
  : >"$TMP/receiver.log"
  t0=$(date +%s.%N)
  "$LIBEXEC/bbsot-deliver" run "$TMP/deliver-$n/.git"
  t1=$(date +%s.%N)
  got=$(wc -l <"$TMP/receiver.log")
  [ "$got" = "$n" ] || die "the receiver got $got of $n reports"
  awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "   %5d records: %.1f s, %.0f records/s\n", n, b - a, n / (b - a) }'
done
