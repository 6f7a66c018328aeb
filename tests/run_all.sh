#!/usr/bin/env bash
# Every check the project runs, in the order CI runs them (`./install.sh --test` calls this
# after the Release build). Usage:
#   tests/run_all.sh [BUILD_DIR]     default <repo>/build, configured with -DBBSOT_TESTS=ON
# Environment: JOBS (default: the number of cores), BBSOT_FUZZ_SECONDS (per fuzz target,
# default 20). Stages, each timed, the first failure ends the run with its exit code:
#   1. the whole suite (unit, end-to-end, scale, architecture) on the Release build
#   2. the same under AddressSanitizer + UndefinedBehaviorSanitizer, but for label scale
#   3. the tests labelled concurrency under ThreadSanitizer
#   4. fuzz smoke runs, 5. static checks (clang-tidy, cppcheck)
# Nothing here writes to HOME: the tests make their own HOME per test, and npm's cache for
# the hook managers lives in the build directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

[[ -f $build/CTestTestfile.cmake ]] ||
  { echo "error: $build has no test build; run: ./install.sh --test (or cmake -DBBSOT_TESTS=ON)" >&2; exit 2; }

stage_name="" stage_started=$SECONDS
# Starts a stage, after saying how long the one before took.
stage() {
  if [[ -n $stage_name ]]; then echo "bbsot: $stage_name: done in $((SECONDS - stage_started)) s"; fi
  stage_name=$1 stage_started=$SECONDS
  if [[ -n $stage_name ]]; then echo "bbsot: $stage_name"; fi
}
trap 'rc=$?; (( rc == 0 )) || echo "bbsot: ${stage_name:-setup}: FAILED (exit $rc) after $((SECONDS - stage_started)) s" >&2' EXIT

# lefthook and husky for the hook-manager tests, without their install scripts (which
# would install hooks into whatever repository npm runs in).
node_tools=$build/node_tools
if [[ ! -x $node_tools/node_modules/.bin/lefthook || ! -x $node_tools/node_modules/.bin/husky ]]; then
  npm_config_cache=$build/npm-cache npm install --silent --no-audit --no-fund --ignore-scripts \
    --prefix "$node_tools" lefthook@2 husky@9 >/dev/null
fi
export BBSOT_NODE_TOOLS=$node_tools

stage "the test suite"
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 300

stage "the test suite under ASan+UBSan"
# The pushes of thousands of refs (label scale) are left out: they run the code the small
# pushes run, and under ASan they alone would take most of CI's time.
cmake -S "$root" -B "$build/sanitize" -DCMAKE_BUILD_TYPE=Debug -DBBSOT_SANITIZE=ON >"$build/sanitize.configure.log" ||
  { cat "$build/sanitize.configure.log" >&2; exit 1; }
cmake --build "$build/sanitize" -j "$jobs"
ctest --test-dir "$build/sanitize" --output-on-failure -j "$jobs" --timeout 300 -LE scale

stage "the concurrency tests under ThreadSanitizer"
# Only the e2e tests start threads (the harness, libcurl's resolver, the demo's endpoint);
# no unit test does, so unit_tests is not built here. Which tests: tests/CMakeLists.txt.
cmake -S "$root" -B "$build/tsan" -DCMAKE_BUILD_TYPE=Debug -DBBSOT_TSAN=ON >"$build/tsan.configure.log" ||
  { cat "$build/tsan.configure.log" >&2; exit 1; }
cmake --build "$build/tsan" -j "$jobs" --target e2e_tests
# Older TSan runtimes abort ("unexpected memory mapping") with high ASLR entropy
# (vm.mmap_rnd_bits > 28); the tests then run with ASLR off.
tsan_run=()
tsan_probe=$("$build/tsan/stage/bin/git-bbsot" --version 2>&1 || true)
case "$tsan_probe" in
  *"unexpected memory mapping"*) tsan_run=(setarch "$(uname -m)" -R) ;;
esac
"${tsan_run[@]}" ctest --test-dir "$build/tsan" --output-on-failure -j "$jobs" --timeout 300 -L concurrency \
  --no-tests=error

stage "fuzz smoke runs"
JOBS="$jobs" "$here/fuzz/run.sh" "${BBSOT_FUZZ_SECONDS:-20}" "$build/fuzz"

stage "static checks"
JOBS="$jobs" "$here/static_checks.sh" "$build/tidy"

stage ""
echo "bbsot: every check passed in $SECONDS s"
