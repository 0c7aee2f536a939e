"""Part 2: purchases against the local Stripe sandbox, each Stripe call the app makes counted.

Per purchase, as the buyer's browser does it: open the quote page (sets the CSRF
cookie), POST Purchase (the app creates what Stripe needs), confirm the payment
with a test card straight at the sandbox (Stripe.js's part, not the app's), POST
complete (the app checks the payment and settles the quote). Purchases run one
after another, so the time the app waited on Stripe during a request is the time
its calls spent in the proxy.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import time
import urllib.request
from collections import Counter
from typing import Any

from bench import fixtures, stack
from bench.report import Section, Target, ms
from bench.stripe_proxy import StripeProxy
from dealdesk.quotes.models import Quote
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT
from stripe_sandbox.testing import SandboxThread

PURCHASES = int(os.environ.get("BENCH_PURCHASES", "200"))
WARM = 5  # the first purchases create the products and prices later ones reuse
BILLING = {
    "name": "Carol Meier",
    "email": "carol@globex.example",
    "company": "Globex GmbH",
    "line1": "Hauptstraße 12",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}


class Buyer:
    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> None:
        with self.opener.open(f"http://{stack.HOST}:{stack.APP_PORT}{path}", timeout=60) as r:
            r.read()

    def post(self, path: str, data: dict[str, Any]) -> Any:
        csrf = next(c.value for c in self.cookies if c.name == "csrftoken")
        request = urllib.request.Request(
            f"http://{stack.HOST}:{stack.APP_PORT}{path}",
            data=urllib.parse.urlencode(data).encode(),
            headers={
                "X-CSRFToken": csrf or "",
                "Referer": f"http://{stack.HOST}:{stack.APP_PORT}/",
            },
        )
        with self.opener.open(request, timeout=60) as response:
            return json.load(response)


def prepare(count: int) -> list[Quote]:
    owner = fixtures.seller("Purchase Co", account_id=DEMO_ACTIVE_ACCOUNT)
    # One line paid once and one billed monthly: a subscription with a first invoice.
    return [fixtures.published_quote(owner, 2, title=f"Purchase {n}") for n in range(count)]


def measure(quotes: list[Quote]) -> Section:
    per_purchase: list[Counter[str]] = []
    totals: list[float] = []
    waits: list[float] = []
    with SandboxThread() as sandbox, StripeProxy(sandbox.url, stack.SANDBOX_PORT) as proxy:
        seller = sandbox.connect(DEMO_ACTIVE_ACCOUNT)
        with stack.gunicorn():
            for quote in quotes:
                buyer = Buyer()
                buyer.get(f"/q/{quote.token}/")
                mark = len(proxy.calls)
                started = time.monotonic()
                body = buyer.post(
                    f"/q/{quote.token}/purchase/", {**BILLING, "quote_version": quote.version}
                )
                elapsed = time.monotonic() - started
                intent = body["client_secret"].split("_secret_")[0]
                seller.v1.payment_intents.confirm(intent, {"payment_method": "pm_card_visa"})
                started = time.monotonic()
                done = buyer.post(body["complete_url"], {})
                elapsed += time.monotonic() - started
                assert done["status"] == "succeeded", done
                calls = proxy.since(mark)
                per_purchase.append(StripeProxy.by_endpoint(calls))
                totals.append(elapsed)
                waits.append(sum(call.seconds for call in calls))
    warm = per_purchase[WARM:]
    endpoints = sorted(set().union(*per_purchase))
    section = Section(
        "2. Purchase (local Stripe sandbox)",
        ["Stripe endpoint", "calls, first purchase", f"calls per purchase after {WARM}"],
    )
    for endpoint in endpoints:
        after = sum(c[endpoint] for c in warm) / len(warm)
        section.rows.append([f"`{endpoint}`", str(per_purchase[0][endpoint]), f"{after:.2f}"])
    calls_after = sum(sum(c.values()) for c in warm) / len(warm)
    section.rows.append(["**all**", str(sum(per_purchase[0].values())), f"{calls_after:.2f}"])
    own = [total - wait for total, wait in zip(totals[WARM:], waits[WARM:], strict=True)]
    own_share = sum(own) / sum(totals[WARM:])
    own_sorted = sorted(own)
    section.targets = [
        Target(
            "≤ 3 Stripe calls per purchase once products are cached",
            f"{calls_after:.2f}",
            calls_after <= 3,
        ),
        Target("server's own time under 25% of a purchase's", f"{own_share:.0%}", own_share < 0.25),
    ]
    section.notes.append(
        f"{len(quotes)} purchases, one after another, of a quote with a one-time and a monthly "
        "line (a subscription whose first invoice includes the one-time item). Counted "
        "from Purchase to complete; the page view and the card confirmation (Stripe.js's "
        f"part) are not. Per purchase: {ms(sum(totals[WARM:]) / len(own) * 1000)} in the two "
        f"requests, of which {ms(sum(waits[WARM:]) / len(own) * 1000)} waiting on Stripe; "
        f"the app's own time p50 {ms(own_sorted[len(own) // 2] * 1000)}, "
        f"p99 {ms(own_sorted[int(len(own) * 0.99)] * 1000)}. Stripe's minimum is 2 calls "
        "(customer, subscription)."
    )
    return section
