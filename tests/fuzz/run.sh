#!/usr/bin/env bash
# Runs every libFuzzer target for a while and fails on any crash, leak, timeout or
# out-of-memory. Usage:
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [BUILD_DIR] [TARGET...]
#     SECONDS_PER_TARGET  default 20 (a smoke run); 3600 or more for a long run
#     BUILD_DIR           default <repo>/build-fuzz; configured with clang if it is not yet
#     TARGET...           default all fuzz_* targets, e.g. fuzz_config fuzz_oauth
# Each target runs single-process (-jobs/-workers unset: the machine has 2 shared cores) on
# a scratch copy of tests/fuzz/corpus/<target>, so the committed seeds never grow. A
# failing input is saved as BUILD_DIR/fuzz-findings/<target>/crash-*|leak-*|timeout-*|oom-*;
# reproduce it with BUILD_DIR/fuzz/<target> <that file>.
# Set FUZZ_WORKERS=N to run N processes per target on the shared corpus (the executions
# reported are their sum); each worker's log is BUILD_DIR/fuzz-findings/<target>.<n>.log.
# Set FUZZ_RUNS=N to stop each worker after N executions (SECONDS stays the ceiling).
# Set FUZZ_KEEP_CORPUS=DIR to keep each grown corpus under DIR/<target> (to minimise and
# add the interesting ones to the seeds by hand).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-20}
build=${2:-$root/build-fuzz}
shift $(( $# < 2 ? $# : 2 ))

case $seconds in ''|*[!0-9]*) echo "error: SECONDS_PER_TARGET must be a whole number, got '$seconds'" >&2; exit 2;; esac

if [[ ! -f $build/CMakeCache.txt ]]; then
  CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -DBBSOT_FUZZ=ON -DBBSOT_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j "${JOBS:-1}" --target bbsot_fuzzers

if (( $# > 0 )); then
  targets=("$@")
else
  targets=()
  for src in "$here"/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for t in "${targets[@]}"; do
  bin=$build/fuzz/$t
  [[ -x $bin ]] || { echo "error: no fuzz target $bin" >&2; exit 2; }
  corpus=$scratch/$t
  mkdir -p "$corpus" "$build/fuzz-findings/$t"
  [[ -d $here/corpus/$t ]] && cp -r "$here/corpus/$t/." "$corpus/"
  workers=${FUZZ_WORKERS:-1}
  echo "== $t: ${seconds}s x $workers worker(s) (logs: $build/fuzz-findings/$t.*log)"
  # Workers are independent processes sharing one corpus directory (libFuzzer rereads it),
  # the same arrangement as -jobs/-workers but with one log and one exit status each.
  pids=()
  for ((w = 1; w <= workers; w++)); do
    log=$build/fuzz-findings/$t.log
    (( workers > 1 )) && log=$build/fuzz-findings/$t.$w.log
    "$bin" "$corpus" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-findings/$t/" >"$log" 2>&1 &
    pids+=($!)
  done
  status=0
  for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
  execs=0
  for log in "$build/fuzz-findings/$t".*log; do
    [[ $log == "$build/fuzz-findings/$t.log" && $workers -gt 1 ]] && continue
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    execs=$((execs + ${n:-0}))
  done
  summary+=("$t: $execs executions, corpus $(find "$corpus" -type f | wc -l) inputs, exit $status")
  if (( status != 0 )); then
    failed+=("$t")
    for log in "$build/fuzz-findings/$t".*log; do
      grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|fuzz_[a-z_]+: |.*runtime error)' "$log" | head -20 >&2 || true
    done
  fi
  if [[ -n ${FUZZ_KEEP_CORPUS:-} ]]; then
    mkdir -p "$FUZZ_KEEP_CORPUS/$t" && cp -r "$corpus/." "$FUZZ_KEEP_CORPUS/$t/"
  fi
done

printf '%s\n' "${summary[@]}"
if (( ${#failed[@]} > 0 )); then
  echo "fuzz: FAILED: ${failed[*]} (inputs under $build/fuzz-findings/)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crash, leak or timeout"
