"""Start-up settings of a sandbox instance (keys, seed, webhook, snapshot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

API_VERSION = "2026-10-28.endive"

PLATFORM_ACCOUNT = "acct_1SandboxPlatform"
PLATFORM_SECRET_KEY = "sk_test_sandbox_platform"
PLATFORM_PUBLISHABLE_KEY = "pk_test_sandbox_platform"
CONNECT_CLIENT_ID = "ca_sandbox_dealdesk"


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 12111
    # Base of the URLs the sandbox hands out (hosted invoice pages, 3DS pages).
    public_url: str = ""
    snapshot: Path | None = None
    seed_demo: bool = True
    platform_name: str = "DealDesk"
    platform_secret_key: str = PLATFORM_SECRET_KEY
    platform_publishable_key: str = PLATFORM_PUBLISHABLE_KEY
    client_id: str = CONNECT_CLIENT_ID
    # Empty means any redirect_uri is accepted (real Stripe checks a registered list).
    redirect_uris: list[str] = field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Failed deliveries are retried after base, 2 * base, 4 * base ... seconds (at
    # most an hour apart) for three days, like Stripe.
    webhook_retry_base: float = 1.0
    webhook_retry_cap: float = 3600.0
    webhook_retry_window: float = 3 * 86400.0
    webhook_timeout: float = 10.0
    # Background tick: renewals, expiry, snapshot saving.
    tick_seconds: float = 1.0

    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
