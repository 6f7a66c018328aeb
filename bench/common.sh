# shellcheck shell=bash disable=SC2034  # sets variables the sourcing scripts use
# Shared by the bench/*.sh scripts (sourced, not run). Benchmarks are run by hand, never
# by the test suite: the machine is noisy, so every figure is compared with a baseline
# measured in the same run, interleaved, and quoted as a ratio.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

die() { echo "${0##*/}: $*" >&2; exit 1; }

# bench_init [BUILD_DIR]: sets BUILD, STAGE, LIBEXEC, TMP (removed on exit) and a clean,
# isolated git environment so the user's configuration cannot colour the figures.
bench_init() {
  BUILD=$(cd "${1:-$ROOT/build-bench}" 2>/dev/null && pwd) ||
    die "no build directory ${1:-$ROOT/build-bench}; build first: cmake -S $ROOT -B $ROOT/build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build $ROOT/build-bench -j1"
  STAGE=$BUILD/stage
  LIBEXEC=$STAGE/libexec/bbsot
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/bbsot-bench.XXXXXX")
  CLEANUP_PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  export HOME=$TMP/home
  mkdir -p "$HOME"
  chmod 700 "$HOME"
  export XDG_CONFIG_HOME=$HOME/.config XDG_CACHE_HOME=$HOME/.cache
  export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$HOME/.gitconfig GIT_TERMINAL_PROMPT=0
  export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
  export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
  unset BBSOT_TRACE BBSOT_CONFIG BBSOT_LIBEXEC_DIR BBSOT_ALLOW_MIRROR_PUSH GIT_DIR GIT_WORK_TREE
  printf '[init]\n\tdefaultBranch = main\n' >"$GIT_CONFIG_GLOBAL"
}

bench_cleanup() {
  local pid
  for pid in "${CLEANUP_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "${TMP:-}" ]; then
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $TMP (KEEP=1)" >&2; else rm -rf "$TMP"; fi
  fi
}

need_program() { [ -x "$1" ] || die "missing $1; build first: cmake --build $BUILD -j1"; }

# compile_c OUT SOURCE-TEXT: the in-run baselines are compiled here with the system cc -O2.
compile_c() {
  printf '%s\n' "$2" >"$1.c"
  cc -O2 -o "$1" "$1.c" || die "cc failed for $1"
}

harness() { python3 "$BENCH_DIR/harness.py" "$@"; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

machine_line() {
  echo "machine: $(nproc) cores, $(uname -sr), git $(git --version | awk '{print $3}'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
