#!/usr/bin/env bash
# Property-based testing of the JSON API with schemathesis, against the OpenAPI document the
# server publishes: a real server on a fresh SQLite database filled with the demo district, an
# organisation administrator's token, and two checks that must hold for every generated request:
# no server error (5xx) and every response conforms to the documented schema.
#
#   scripts/api-fuzz.sh [PATH_TO_XIANFENG_BINARY]
#
# Environment: FUZZ_MAX_EXAMPLES (default 25) per operation, FUZZ_PORT (default 18181).
# Installs schemathesis into a virtual environment under target/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/debug/xianfeng}
[ -x "$bin" ] || cargo build --bin xianfeng
port=${FUZZ_PORT:-18181}
examples=${FUZZ_MAX_EXAMPLES:-25}
venv=target/fuzz-venv
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

db="sqlite://$work/fuzz.db"
export XIANFENG_LOG=warn
"$bin" demo --database-url "$db" >/dev/null 2>&1
printf 'Api#Check2026x\n' | "$bin" admin create-user --database-url "$db" \
  --username fuzz --name 接口测试 --role org_admin --org XF --password-stdin >/dev/null
token=$("$bin" admin token --database-url "$db" --user fuzz --label fuzz 2>/dev/null)

"$bin" serve --database-url "$db" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

status=0
"$venv/bin/st" run "http://127.0.0.1:$port/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance \
  --phases examples,fuzzing \
  --max-examples "$examples" \
  --workers 2 \
  --suppress-health-check all \
  --seed 1 \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log =="
  tail -n 50 "$work/server.log"
fi
exit "$status"
