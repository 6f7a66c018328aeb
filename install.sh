#!/usr/bin/env bash
# bbsot installer: installs missing Debian packages, builds (Release) and installs.
#   ./install.sh [--prefix DIR] [--test] [--demo] [--repo DIR] [--template] [--build-dir DIR] [--jobs N]
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: ./install.sh [--prefix DIR] [--test] [--demo] [--repo DIR] [--template]

  --prefix DIR     install under DIR (default: ~/.local); DIR/bin must be on PATH
  --test           build and run the whole test suite: unit and end-to-end tests, the same
                   under AddressSanitizer+UndefinedBehaviorSanitizer, the concurrency tests
                   under ThreadSanitizer, fuzz smoke runs and static checks
                   (see docs/RELIABILITY.md)
  --demo           run `git bbsot demo` after installing (sandbox, no account needed)
  --repo DIR       run `git bbsot init` in the repository DIR after installing
  --template       set git's init.templateDir so new clones get bbsot's hooks (opt-in)
  --build-dir DIR  build directory (default: ./build)
  --jobs N         parallel build jobs (default: number of cores)
USAGE
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix="${HOME}/.local"
build_dir="${here}/build"
jobs=$(nproc 2>/dev/null || echo 2)
run_tests=0 run_demo=0 repo="" template=0

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --test) run_tests=1; shift ;;
    --demo) run_demo=1; shift ;;
    --repo) repo=${2:?--repo needs a directory}; shift 2 ;;
    --template) template=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

# Everything the build needs, as Debian packages; --test adds what the test suite uses.
packages=(
  g++ cmake make pkg-config git ca-certificates
  libgit2-dev libyaml-cpp-dev libboost-program-options-dev libssl-dev
  libcurl4-openssl-dev nlohmann-json3-dev
)
if [ "$run_tests" = 1 ]; then
  # Test doubles (python3, openssl), hook managers (pre-commit; lefthook and husky come
  # from npm), man pages for `git help`, libFuzzer (clang), the static checkers and
  # libfaketime (a machine clock two days behind, for the certificate test).
  packages+=(libgtest-dev python3 openssl time procps pre-commit man-db
             clang libclang-rt-14-dev clang-tidy cppcheck faketime)
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "bbsot: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "error: missing Debian packages: ${missing[*]}" >&2
    echo "hint: run: sudo apt-get install ${missing[*]}" >&2
    echo "hint: then run ./install.sh again" >&2
    exit 1
  fi
fi

tests=OFF; [ "$run_tests" = 1 ] && tests=ON
cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DBBSOT_TESTS="$tests" -DBBSOT_WERROR="$tests" >/dev/null
cmake --build "$build_dir" -j "$jobs"

if [ "$run_tests" = 1 ]; then
  # Every check, stage by stage and timed: tests/run_all.sh (also runnable on its own).
  JOBS="$jobs" "$here/tests/run_all.sh" "$build_dir"
fi

cmake --install "$build_dir" >/dev/null
echo "bbsot: installed into $prefix"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "hint: add $prefix/bin to PATH so git finds git-bbsot and git-credential-bbsot" ;;
esac
export PATH="$prefix/bin:$PATH"

if [ "$template" = 1 ]; then
  git config --global init.templateDir "$prefix/share/bbsot/templates"
  echo "bbsot: new clones and \`git init\` now get bbsot's hooks (init.templateDir)"
fi
if [ -n "$repo" ]; then
  (cd "$repo" && git bbsot init)
fi
if [ "$run_demo" = 1 ]; then
  git bbsot demo
fi
