#!/usr/bin/env bash
# The README's second command, and CI's (.ci/run): on Debian 12 as root, install what the
# tests need, start a throwaway PostgreSQL server, run pytest (the whole suite in two
# processes; extra arguments go to one pytest as they are).
#   bash scripts/test.sh
#   bash scripts/test.sh tests/postgres -x
# Safe to re-run. PGPORT (default 55432) picks the server's port.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light) # tests/e2e/test_proxy_in_chromium.py runs deploy/nginx
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

bash scripts/venv.sh requirements-dev.txt

trap 'bash scripts/postgres.sh stop' EXIT
pg_env=$(bash scripts/postgres.sh start) # TUNING_TEST_PG_URL=… and TUNING_TEST_PG_BIN=…
while read -r assignment; do export "$assignment"; done <<<"$pg_env"

if [ $# -gt 0 ]; then
  .venv/bin/python -m pytest "$@"
  exit
fi
# The whole suite: two pytest processes share the test files (most tests wait on the workers,
# servers and browsers they start, so one process leaves a core idle; two took 0.55x the
# time), then the load test alone: it measures the server under ten sessions, and a
# neighbouring test's CPU would be part of what it measured.
.venv/bin/python -m pytest -n 2 --dist loadfile --ignore=tests/load
.venv/bin/python -m pytest tests/load
