"""The stack under test: its own PostgreSQL database, gunicorn, and wrk as the load.

Everything listens on 127.0.0.1 only; every load run stops by itself after a fixed
time or number of requests.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
HOST = "127.0.0.1"
APP_PORT = int(os.environ.get("BENCH_APP_PORT", "8100"))
SANDBOX_PORT = int(os.environ.get("BENCH_SANDBOX_PORT", "12200"))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB_NAME", "dealdesk_bench")
DATABASE_URL = f"{PG_URL}/{DB_NAME}"
# Marks a database as made by the bench, so that it only ever drops its own.
_MARKER = "bench_created_by_make_bench"


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(f"{PG_URL}/postgres", autocommit=True)


def _is_ours() -> bool:
    try:
        with psycopg.connect(DATABASE_URL) as conn:
            row = conn.execute("SELECT to_regclass(%s)", [_MARKER]).fetchone()
            return row is not None and row[0] is not None
    except psycopg.OperationalError:
        return False


def _drop_own_database() -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh database for this run, dropped at the end; refuses one it did not make."""
    with _admin() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    if exists and not _is_ours():
        raise SystemExit(
            f"Database {DB_NAME} exists and was not made by the bench; not touching it."
        )
    if exists:
        _drop_own_database()  # left over from an interrupted run of ours
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {_MARKER} (created_at timestamptz DEFAULT now())")
        conn.execute(
            "CREATE TABLE bench_webhook_baseline (id bigserial PRIMARY KEY, body text NOT NULL)"
        )
    try:
        yield DATABASE_URL
    finally:
        _drop_own_database()


def server_env(**extra: str) -> dict[str, str]:
    """The app's environment: development settings with DEBUG off, PostgreSQL, Redis."""
    env = {
        **os.environ,
        "DEALDESK_ENV": "development",
        "DEBUG": "false",
        "DEALDESK_BENCH": "1",
        "DEALDESK_BENCH_DIR": str(VAR),
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DEALDESK_BASE_URL": f"http://{HOST}:{APP_PORT}",
        "STRIPE_API_BASE": f"http://{HOST}:{SANDBOX_PORT}",
        "STRIPE_CONNECT_BASE": f"http://{HOST}:{SANDBOX_PORT}",
        "STRIPE_JS_URL": f"http://{HOST}:{SANDBOX_PORT}/v3/",
        "STRIPE_DASHBOARD_URL": f"http://{HOST}:{SANDBOX_PORT}/dashboard",
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


def wait_for_port(port: int, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start on {HOST}:{port}; see {VAR}")


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


@contextmanager
def gunicorn(workers: int = 2) -> Iterator[Gunicorn]:
    if port_open(APP_PORT):
        raise SystemExit(f"Port {APP_PORT} is in use; set BENCH_APP_PORT to a free one.")
    log = (VAR / "gunicorn.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 (our own commands)
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "dealdesk.wsgi",
            "--bind",
            f"{HOST}:{APP_PORT}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        cwd=ROOT,
        env=server_env(),
        stdout=log,
        stderr=log,
    )
    try:
        wait_for_port(APP_PORT, "gunicorn")
        server = Gunicorn(process)
        deadline = time.monotonic() + 20
        while len(server.worker_pids()) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        warm("/accounts/login/")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def background(name: str, args: list[str], port: int | None = None) -> Iterator[None]:
    """A helper process (task worker, Stripe sandbox), stopped when the block ends."""
    log = (VAR / f"{name}.log").open("ab")
    process = subprocess.Popen(  # noqa: S603
        args, cwd=ROOT, env=server_env(), stdout=log, stderr=log
    )
    try:
        if port is not None:
            wait_for_port(port, name)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def db_worker() -> AbstractContextManager[None]:
    return background(
        "db_worker", [str(ROOT / ".venv/bin/python"), "manage.py", "db_worker", "--interval", "0.1"]
    )


# wrk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses and socket errors


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing wrk (Debian package) ...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env).returncode:  # noqa: S603
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, check=True)  # noqa: S603
        subprocess.run(install, env=env, check=True)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed.")
    return found


def warm(path: str, headers: dict[str, str] | None = None, rounds: int = 3) -> None:
    """A few requests on two connections at once, so that both workers have loaded the
    modules, templates and translations the path needs (seconds on a busy machine)."""

    def fetch() -> None:
        for _ in range(rounds):
            request = urllib.request.Request(
                f"http://{HOST}:{APP_PORT}{path}", headers=headers or {}
            )
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                response.read()

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


LAST_OUTPUT: str | None = None  # wrk's whole output of the last run, for Lua summaries

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match[1]) * _UNIT_MS[match[2]]


def wrk(
    path: str,
    *,
    seconds: int = 8,
    connections: int = 8,
    script: Path | None = None,
    headers: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    warmup: bool = True,
) -> Load:
    """One bounded wrk run against the app; a script may stop it earlier by count.

    The path is warmed up first (see warm).
    """
    if warmup:
        warm(path, headers)
    args = [
        ensure_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    if script is not None:
        args += ["-s", str(script)]
    args.append(f"http://{HOST}:{APP_PORT}{path}")
    result = subprocess.run(  # noqa: S603
        args,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        env={**os.environ, **(env or {})},
    )
    global LAST_OUTPUT
    out = LAST_OUTPUT = result.stdout
    if result.returncode:
        raise SystemExit(f"wrk failed: {result.stderr}{out}")
    total = re.search(r"(\d+) requests in ([\d.]+\w+),", out)
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    if not total or len(percentiles) < 2:
        raise SystemExit(f"Could not read wrk's output:\n{out}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        errors += int(non_2xx[1])
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    requests, elapsed = int(total[1]), _ms(total[2]) / 1000
    return Load(
        requests=requests,
        seconds=elapsed,
        rate=requests / elapsed if elapsed else 0.0,
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        errors=errors,
    )


def python() -> str:
    return (
        str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else sys.executable
    )
