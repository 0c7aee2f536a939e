"""`python -m stripe_sandbox --port 12111`: run the sandbox on 127.0.0.1."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from aiohttp import web

from stripe_sandbox.config import SandboxConfig


def parse_args(argv: list[str] | None = None) -> SandboxConfig:
    parser = argparse.ArgumentParser(
        prog="python -m stripe_sandbox",
        description="A local, offline, stateful stand-in for the part of Stripe DealDesk uses.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--public-url", default="", help="base URL handed out in links")
    parser.add_argument("--snapshot", type=Path, help="JSON file that keeps state across restarts")
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo accounts")
    parser.add_argument("--webhook", help="deliver every event to this URL (like `stripe listen`)")
    parser.add_argument("--webhook-secret", help="whsec_… secret for --webhook (default: random)")
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        help="allowed OAuth redirect_uri (repeatable; default: any)",
    )
    parser.add_argument("--secret-key", help="platform secret key")
    parser.add_argument("--publishable-key", help="platform publishable key")
    parser.add_argument("--client-id", help="Connect client id (default ca_sandbox_dealdesk)")
    parser.add_argument(
        "--webhook-retry-base",
        type=float,
        default=1.0,
        help="seconds before the first webhook retry (doubles each time)",
    )
    args = parser.parse_args(argv)
    if args.webhook_secret and not args.webhook_secret.startswith("whsec_"):
        parser.error("--webhook-secret must start with whsec_")
    config = SandboxConfig(
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        snapshot=args.snapshot,
        seed_demo=not args.no_demo,
        redirect_uris=args.redirect_uri,
        webhook_url=args.webhook,
        webhook_secret=args.webhook_secret,
        webhook_retry_base=args.webhook_retry_base,
    )
    if args.secret_key:
        config.platform_secret_key = args.secret_key
    if args.publishable_key:
        config.platform_publishable_key = args.publishable_key
    if args.client_id:
        config.client_id = args.client_id
    return config


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from stripe_sandbox.server import create_app

    try:
        app = create_app(config)
    except ValueError as exc:
        print(f"stripe_sandbox: {exc}", file=sys.stderr)
        return 2
    print(f"Stripe sandbox on {config.base_url()} (dashboard at /, Stripe.js at /v3/)", flush=True)
    web.run_app(app, host=config.host, port=config.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
