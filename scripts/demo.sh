#!/usr/bin/env bash
# Runs the demo: migrate the embedded SQLite database, load the demo workspace,
# then serve the app (with its task worker) at http://127.0.0.1:8000 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if port_busy 8000; then
  echo "Port 8000 on 127.0.0.1 is already in use: stop whatever runs there and try again." >&2
  exit 1
fi

$PY manage.py migrate --no-input -v 0
$PY manage.py load_demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

$PY manage.py db_worker --interval 1 >var/worker.log 2>&1 &
pids+=($!)

echo "Serving DealDesk at http://127.0.0.1:8000 (Ctrl-C stops it)."
$PY manage.py runserver 127.0.0.1:8000 --noreload
