"""Production settings refuse to start without real secrets and HTTPS."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "STRIPE_SECRET_KEY", "REDIS_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import dealdesk.settings as s; print(s.SESSION_COOKIE_SECURE)"],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


GOOD = {
    "DEALDESK_ENV": "production",
    "SECRET_KEY": "a1b2c3d4e5" * 6,
    "ALLOWED_HOSTS": "deals.example.com",
    "DEALDESK_BASE_URL": "https://deals.example.com",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_example",
    "STRIPE_CLIENT_ID": "ca_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def test_production_starts_with_real_settings_and_secure_cookies() -> None:
    result = _load_settings(**GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_production_refuses_demo_secret_key() -> None:
    env = {k: v for k, v in GOOD.items() if k != "SECRET_KEY"}
    result = _load_settings(**env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_long_but_trivial_secret_key() -> None:
    assert "SECRET_KEY" in _load_settings(**{**GOOD, "SECRET_KEY": "x" * 60}).stderr


def test_production_refuses_missing_allowed_hosts() -> None:
    env = {k: v for k, v in GOOD.items() if k != "ALLOWED_HOSTS"}
    assert "ALLOWED_HOSTS" in _load_settings(**env).stderr


def test_production_refuses_to_run_on_the_stripe_sandbox() -> None:
    env = {k: v for k, v in GOOD.items() if k != "STRIPE_SECRET_KEY"}
    assert "STRIPE_SECRET_KEY" in _load_settings(**env).stderr


def test_production_refuses_debug_and_plain_http() -> None:
    assert "DEBUG" in _load_settings(**GOOD, DEBUG="true").stderr
    assert "https" in _load_settings(**{**GOOD, "DEALDESK_BASE_URL": "http://x"}).stderr


def test_production_refuses_to_run_without_shared_redis_for_throttling() -> None:
    env = {k: v for k, v in GOOD.items() if k != "REDIS_URL"}
    assert "REDIS_URL" in _load_settings(**env).stderr
