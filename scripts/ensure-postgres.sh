#!/usr/bin/env bash
# The test suite runs on PostgreSQL at 127.0.0.1:5432. Start the local cluster if it is down.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in /etc/postgresql/*; do
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
  done
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, trust auth)." >&2
echo "Start it, or set TEST_DATABASE_URL to a server where tests may create a database." >&2
exit 1
