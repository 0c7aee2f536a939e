"""Start-up, the command line and snapshots that survive restarts.

Throughput is a benchmark (``python -m stripe_sandbox.bench``), not a test.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from stripe_sandbox.__main__ import parse_args
from stripe_sandbox.store import State, read_snapshot, write_snapshot

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(*args: str) -> tuple[subprocess.Popen[bytes], str, float]:
    port = _free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_sandbox", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    while time.monotonic() - started < 10:
        try:
            urllib.request.urlopen(f"{url}/_sandbox/clock", timeout=1).read()
            return process, url, time.monotonic() - started
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.01)
    process.kill()
    raise AssertionError(f"sandbox did not start: {process.communicate()[0]!r}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()  # graceful: the snapshot is written on the way out
    process.wait(10)


def _post(url: str, data: str, key: str = "sk_test_sandbox_platform") -> dict[str, object]:
    request = urllib.request.Request(
        url, data=data.encode(), headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        body: dict[str, object] = json.load(response)
        return body


def test_defaults_bind_loopback_on_12111() -> None:
    config = parse_args([])
    assert (config.host, config.port) == ("127.0.0.1", 12111)
    assert config.base_url() == "http://127.0.0.1:12111"


def test_webhook_secret_must_be_a_whsec() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--webhook", "http://127.0.0.1:8000/hook", "--webhook-secret", "nope"])


def test_starts_and_answers_on_its_port() -> None:
    # How fast it starts is measured by benchmarks, not asserted here: machines are noisy.
    process, url, _elapsed = _start()
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/clock", timeout=5) as response:
            assert response.status == 200
    finally:
        _stop(process)


def test_snapshot_survives_a_restart(tmp_path: Path) -> None:
    snapshot = tmp_path / "sandbox.json"
    process, url, _ = _start("--snapshot", str(snapshot))
    customer = _post(f"{url}/v1/customers", "email=kept@example.com")
    _stop(process)
    process, url, _ = _start("--snapshot", str(snapshot))
    try:
        request = urllib.request.Request(
            f"{url}/v1/customers/{customer['id']}",
            headers={"Authorization": "Bearer sk_test_sandbox_platform"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["email"] == "kept@example.com"
    finally:
        _stop(process)


def test_a_corrupt_snapshot_is_refused_not_overwritten(tmp_path: Path) -> None:
    snapshot = tmp_path / "sandbox.json"
    snapshot.write_text('{"version": 1, "objects": {')
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stripe_sandbox",
            "--port",
            str(_free_port()),
            "--snapshot",
            str(snapshot),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert result.returncode == 2
    assert "not a sandbox snapshot" in result.stderr
    assert snapshot.read_text() == '{"version": 1, "objects": {'


def test_snapshot_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = tmp_path / "sandbox.json"
    state = State()
    state.platform_id = "acct_1"
    write_snapshot(state, snapshot)
    before = snapshot.read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    state.clock.advance(100)
    with pytest.raises(OSError):
        write_snapshot(state, snapshot)
    assert snapshot.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]
    loaded = read_snapshot(snapshot)
    assert loaded is not None and loaded.platform_id == "acct_1"
