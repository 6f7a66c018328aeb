#!/usr/bin/env bash
# Warm-cache `git credential fill` answered by bbsot, against git's own credential-store,
# whole process (docs/DESIGN.md "Start-up budget"); goal: bbsot/store <= 1.25. Also the
# helper's peak RSS on a cache hit (goal <= 10 MB) and reference points that show where
# start-up goes (empty C program, empty C helper, empty C++ programs linked to libstdc++
# and yaml-cpp).
# Usage: bench/credential.sh [BUILD_DIR]     (env: RUNS=300, RSS_RUNS=7)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS=${RUNS:-300}
RSS_RUNS=${RSS_RUNS:-7}
bench_init "${1:-}"
HELPER=$STAGE/bin/git-credential-bbsot
need_program "$HELPER"
need_program "$LIBEXEC/bbsot-token"

# --- Reference programs, compiled here so they match this machine's toolchain.
mkdir -p "$TMP/bin"
compile_c "$TMP/bin/empty" 'int main(void) { return 0; }'
# A credential helper that does the least possible: read git's request, print an answer.
compile_c "$TMP/bin/git-credential-empty" '#include <unistd.h>
int main(void) {
  char buf[4096];
  while (read(0, buf, sizeof buf) > 0) {}
  static const char a[] = "username=x-token-auth\npassword=empty-helper-password\n";
  return write(1, a, sizeof a - 1) == (long)(sizeof a - 1) ? 0 : 1;
}'
printf 'int main() { return 0; }\n' >"$TMP/empty_cxx.cpp"
c++ -O2 -o "$TMP/bin/empty-cxx" "$TMP/empty_cxx.cpp" -Wl,--no-as-needed -lstdc++ ||
  die "c++ failed"
c++ -O2 -o "$TMP/bin/empty-cxx-yaml" "$TMP/empty_cxx.cpp" -Wl,--no-as-needed -lyaml-cpp -lstdc++ ||
  die "c++ with yaml-cpp failed"
printf '#include <yaml-cpp/yaml.h>\nint main(int, char** v) { return YAML::LoadFile(v[1]).IsMap() ? 0 : 1; }\n' \
  >"$TMP/parse_yaml.cpp"
c++ -O2 -o "$TMP/bin/yaml-parse" "$TMP/parse_yaml.cpp" -lyaml-cpp || die "c++ yaml parse failed"

# --- The OAuth double, only to warm the cache once.
sh "$ROOT/tests/support/make_ca.sh" "$TMP/ca"
umask 077
printf 'bench-consumer-secret\n' >"$TMP/secret"
mkdir -p "$TMP/oauth-state"
python3 "$ROOT/tests/support/oauth_server.py" --cert "$TMP/ca/server.pem" --key "$TMP/ca/server.key" \
  --port-file "$TMP/oauth-port" --state-dir "$TMP/oauth-state" --client-id bench-key \
  --client-secret-file "$TMP/secret" 2>"$TMP/oauth.log" &
OAUTH_PID=$!
CLEANUP_PIDS+=("$OAUTH_PID")
for _ in $(seq 100); do [ -s "$TMP/oauth-port" ] && break; sleep 0.1; done
[ -s "$TMP/oauth-port" ] || die "the OAuth double did not start: $(cat "$TMP/oauth.log")"
PORT=$(cat "$TMP/oauth-port")

mkdir -p "$XDG_CONFIG_HOME/bbsot"
cat >"$XDG_CONFIG_HOME/bbsot/config.yml" <<YML
ca_file: $TMP/ca/ca.pem
accounts:
  - url: https://127.0.0.1:$PORT/acme
    key: bench-key
    secret_command: cat $TMP/secret
    token_url: https://127.0.0.1:$PORT/site/oauth2/access_token
YML
chmod 600 "$XDG_CONFIG_HOME/bbsot/config.yml"
export PATH=$STAGE/bin:$TMP/bin:$PATH

printf 'protocol=https\nhost=127.0.0.1:%s\npath=acme/x.git\n\n' "$PORT" >"$TMP/request"
fill() { git -c credential.helper= -c "credential.helper=$1" credential fill <"$TMP/request"; }
warm=$(fill bbsot) || die "warming the cache failed"
TOKEN=$(printf '%s\n' "$warm" | sed -n 's/^password=//p')
case $warm in *username=x-token-auth*) ;; *) die "unexpected answer from bbsot: no x-token-auth" ;; esac
[ -n "$TOKEN" ] || die "bbsot gave no password"
# From here on every answer must come from the cache: stop the double.
kill "$OAUTH_PID"; wait "$OAUTH_PID" 2>/dev/null || true
fill bbsot >/dev/null || die "a cache hit failed with the OAuth double stopped"
count=$(cat "$TMP/oauth-state/count")
[ "$count" = 1 ] || die "expected 1 token request, the double saw $count"

# The same credential for git's own store (the request carries a path, so must the entry).
printf 'https://x-token-auth:%s@127.0.0.1:%s/acme/x.git\n' "$TOKEN" "$PORT" >"$TMP/store"
STORE="store --file=$TMP/store"
[ "$(fill "$STORE")" = "$warm" ] || die "credential-store does not give the same answer as bbsot"

echo "== git credential fill, warm cache: bbsot vs git's credential-store"
machine_line
echo "helper links: $(ldd "$HELPER" | awk '{print $1}' | grep -v '^linux-vdso' | tr '\n' ' ')"
echo
git_fill="git -c credential.helper= -c credential.helper="
harness --runs "$RUNS" --baseline store --json "$TMP/credential.json" \
  --variant store "$TMP/request" "${git_fill}'$STORE' credential fill" \
  --variant bbsot "$TMP/request" "${git_fill}bbsot credential fill" \
  --variant bbsot-abspath "$TMP/request" "${git_fill}$HELPER credential fill" \
  --variant empty-helper "$TMP/request" "${git_fill}empty credential fill" \
  --variant helper-alone "$TMP/request" "$HELPER get" \
  --variant empty-c "$TMP/request" "$TMP/bin/empty" \
  --variant empty-c++ "$TMP/request" "$TMP/bin/empty-cxx" \
  --variant empty-c++yaml "$TMP/request" "$TMP/bin/empty-cxx-yaml" \
  --variant yaml-parse "$TMP/request" "$TMP/bin/yaml-parse $XDG_CONFIG_HOME/bbsot/config.yml" \
  --expect store "password=$TOKEN" --expect bbsot "password=$TOKEN" \
  --expect bbsot-abspath "password=$TOKEN" --expect helper-alone "password=$TOKEN" \
  --expect empty-helper "password=empty-helper-password"
echo "  store         git credential fill, helper = git's credential-store (baseline)"
echo "  bbsot         git credential fill, helper = bbsot (git runs git-credential-bbsot via 'git credential-bbsot')"
echo "  bbsot-abspath the same, helper configured by absolute path (git runs it directly)"
echo "  empty-helper  git credential fill, helper = an empty C program on PATH (same route as bbsot)"
echo "  helper-alone  git-credential-bbsot get on its own (cache hit)"
echo "  empty-c, empty-c++, empty-c++yaml: empty programs (C; C++ with libstdc++; plus libyaml-cpp)"
echo "  yaml-parse    a C++ program that only loads the accounts file with yaml-cpp"

python3 - "$TMP/credential.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = {k: v["median_ms"] for k, v in r.items()}
ratio = m["bbsot"] / m["store"]
print()
print("bbsot/store = %.2f (goal <= 1.25: %s)" % (ratio, "met" if ratio <= 1.25 else "MISSED"))
print("bbsot extra over store: %+.2f ms; over an empty helper: %+.2f ms; git's 'git credential-X' "
      "wrapper: %.2f ms" % (m["bbsot"] - m["store"], m["bbsot"] - m["empty-helper"],
                            m["bbsot"] - m["bbsot-abspath"]))
print("helper alone %.2f ms = empty C + %.2f ms; loading libstdc++ %.2f ms, + yaml-cpp %.2f ms, "
      "parsing the accounts file %.2f ms" % (
          m["helper-alone"], m["helper-alone"] - m["empty-c"], m["empty-c++"] - m["empty-c"],
          m["empty-c++yaml"] - m["empty-c++"], m["yaml-parse"] - m["empty-c++yaml"]))
PY

# Peak RSS (GNU time's %M, kB). It includes what the time process itself had mapped
# before exec, so the empty C program under the same measurement is the floor.
rss() { for _ in $(seq "$RSS_RUNS"); do /usr/bin/time -f %M "$@" <"$TMP/request" 2>&1 >/dev/null | tail -1; done | median; }
rss_helper=$(rss "$HELPER" get)
rss_empty=$(rss "$TMP/bin/empty")
echo
echo "peak RSS (median of $RSS_RUNS, /usr/bin/time %M): git-credential-bbsot get $((rss_helper / 1024)).$(((rss_helper % 1024) * 10 / 1024)) MB" \
  "(${rss_helper} kB), empty C program ${rss_empty} kB; goal <= 10 MB:" \
  "$([ "$rss_helper" -le 10240 ] && echo met || echo MISSED)"
