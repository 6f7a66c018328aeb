#!/usr/bin/env bash
# Static checks over the product code (lib/, cli/, hooks/, helpers/): clang-tidy with the
# repository's .clang-tidy, then cppcheck. Prints one line per finding,
#   file:line: check: message
# and exits 1 if there is any (2 when a tool is missing). Usage:
#   tests/static_checks.sh [BUILD_DIR]    default <repo>/build-tidy
# BUILD_DIR only needs a configure (for compile_commands.json), not a build; it is
# configured here with clang when it has none. JOBS=N runs N clang-tidy processes
# (default 1: the machine is shared). Silence a justified finding in place:
#   // NOLINT(check-name): why              (clang-tidy)
#   // cppcheck-suppress id                 (cppcheck, on the line before)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-tidy}
jobs=${JOBS:-1}

tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[[ -n $tidy ]] || { echo "error: clang-tidy not found (apt-get install clang-tidy-14)" >&2; exit 2; }
command -v cppcheck >/dev/null || { echo "error: cppcheck not found (apt-get install cppcheck)" >&2; exit 2; }

if [[ ! -f $build/compile_commands.json ]]; then
  CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DBBSOT_TESTS=OFF >/dev/null || { echo "error: cannot configure $build" >&2; exit 2; }
fi

cd "$root" || exit 2
mapfile -t sources < <(find lib cli hooks helpers -name '*.cpp' | sort)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# One clang-tidy per file (headers are checked through them, see HeaderFilterRegex).
# shellcheck disable=SC2016  # the single-quoted script is expanded by the inner sh
printf '%s\n' "${sources[@]}" |
  xargs -P "$jobs" -I{} sh -c '"$1" -p "$2" --quiet "$3" >"$4/$(echo "$3" | tr / _).log" 2>&1' _ "$tidy" "$build" {} "$out"
tidy_rc=$?  # non-zero when a file did not even compile
# "path:line:col: warning: message [check]" -> "path:line: check: message"; a header's
# finding is reported once however many files include it.
cat "$out"/*.log |
  sed -n -E "s#^($root/)?([^:]+):([0-9]+):[0-9]+: (warning|error): (.*) \[([^]]+)\]\$#\2:\3: \6: \5#p; \
             s#^($root/)?([^:]+):([0-9]+):[0-9]+: error: ([^[]*)\$#\2:\3: clang-diagnostic-error: \4#p" |
  sort -u >"$out/tidy.txt"

cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr --std=c++20 \
  -I lib -I . --quiet --template='{file}:{line}: cppcheck-{id}: {message}' lib cli hooks helpers 2>"$out/cppcheck.txt"
cppcheck_rc=$?

cat "$out/tidy.txt" "$out/cppcheck.txt"
tidy_n=$(wc -l <"$out/tidy.txt")
cppcheck_n=$(wc -l <"$out/cppcheck.txt")
if (( tidy_rc != 0 )); then
  echo "static checks: clang-tidy failed on some file; its output:" >&2
  grep -l -E 'error:|Error while processing' "$out"/*.log | xargs -r cat >&2
fi
if (( tidy_n > 0 || cppcheck_n > 0 || cppcheck_rc != 0 || tidy_rc != 0 )); then
  echo "static checks: FAILED: $tidy_n clang-tidy, $cppcheck_n cppcheck finding(s) in ${#sources[@]} files" >&2
  exit 1
fi
echo "static checks: ${#sources[@]} files, no finding"
