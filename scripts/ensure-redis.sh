#!/usr/bin/env bash
# Throttling counters live in Redis; the tests use the machine's Redis at 127.0.0.1:6379.
# Start it if it is down: nothing saved to disk, since it only holds short-lived counters.
set -euo pipefail
cd "$(dirname "$0")/.."
ready() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]
  else
    (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null
  fi
}
ready && exit 0
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Redis is not running at 127.0.0.1:6379 and redis-server is not installed" >&2
  echo "(make test installs Debian's redis-server)." >&2
  exit 1
fi
dir=/var/lib/redis
logfile=/var/log/redis/ci.log
if [ ! -w "$dir" ] || [ ! -w "$(dirname "$logfile")" ]; then
  mkdir -p var
  dir="$PWD/var"
  logfile="$PWD/var/redis-test.log"
fi
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
  --dir "$dir" --logfile "$logfile"
for _ in $(seq 1 30); do ready && exit 0; sleep 0.2; done
echo "Redis did not start at 127.0.0.1:6379; see $logfile" >&2
exit 1
