#!/usr/bin/env bash
# Runs the demo: migrate the embedded SQLite database, load the demo workspace,
# then serve the app (with its task worker and a private Redis) at http://127.0.0.1:8000
# until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ports=(8000)
[ -n "${STRIPE_SECRET_KEY:-}" ] || ports+=(12111)  # with real Stripe keys there is no sandbox
for port in "${ports[@]}"; do
  if port_busy "$port"; then
    echo "Port $port on 127.0.0.1 is already in use: stop whatever runs there and try again." >&2
    exit 1
  fi
done

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# Emails (sign-up links, "quote paid", failed renewals, cancellations) go to files, one per
# message, unless EMAIL_BACKEND says otherwise.
if [ -z "${EMAIL_BACKEND:-}" ]; then
  export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
  export EMAIL_FILE_PATH="${EMAIL_FILE_PATH:-$PWD/var/mail}"
  mkdir -p "$EMAIL_FILE_PATH"
  echo "Emails are written to $EMAIL_FILE_PATH (one .log file per message)."
fi

$PY manage.py migrate --no-input -v 0

# Throttling counters, cached quote pages and buyers' visits live in Redis (load_demo
# records visits too, so Redis starts first). Without REDIS_URL the demo runs its own private,
# memory-only Redis on a unix socket (no TCP port), stopped with the demo.
if [ -z "${REDIS_URL:-}" ]; then
  redis_dir="$PWD/var"
  [ ${#redis_dir} -le 90 ] || redis_dir=$(mktemp -d)  # unix socket paths are short
  redis_socket="$redis_dir/redis.sock"
  rm -f "$redis_socket"
  redis-server --port 0 --unixsocket "$redis_socket" --unixsocketperm 700 \
    --save "" --appendonly no --dir "$redis_dir" >var/redis.log 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do [ -S "$redis_socket" ] && break; sleep 0.1; done
  [ -S "$redis_socket" ] || { echo "Redis did not start; see var/redis.log" >&2; exit 1; }
  export REDIS_URL="unix://$redis_socket?db=0"
fi

# The local Stripe sandbox stands in for Stripe: Connect OAuth, payments, webhooks.
# Its state survives restarts in var/stripe-sandbox.json; events go to the app's webhook
# (retried until the app is up). It starts before load_demo, which connects the demo
# workspace to its activated account through the OAuth round trip.
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  webhook_secret=$(DJANGO_SETTINGS_MODULE=dealdesk.settings $PY -c \
    'from django.conf import settings; print(settings.STRIPE_WEBHOOK_SECRET)')
  $PY -m stripe_sandbox --port 12111 --snapshot var/stripe-sandbox.json \
    --webhook http://127.0.0.1:8000/stripe/webhook/ --webhook-secret "$webhook_secret" \
    >var/stripe-sandbox.log 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do port_busy 12111 && break; sleep 0.2; done
  port_busy 12111 || { echo "The Stripe sandbox did not start; see var/stripe-sandbox.log" >&2; exit 1; }
  echo "Stripe sandbox (offline stand-in for Stripe) at http://127.0.0.1:12111/dashboard"
fi

$PY manage.py load_demo

$PY manage.py db_worker --interval 1 >var/worker.log 2>&1 &
pids+=($!)
# Retries of failed Stripe events, events whose worker stopped, and (every 10 minutes)
# events the Stripe sandbox could not deliver while the app was down.
$PY manage.py stripe_events_process --loop --interval 15 --catch-up-every 600 \
  >var/stripe-events.log 2>&1 &
pids+=($!)

echo "Serving DealDesk at http://127.0.0.1:8000 (Ctrl-C stops it)."
$PY manage.py runserver 127.0.0.1:8000 --noreload
