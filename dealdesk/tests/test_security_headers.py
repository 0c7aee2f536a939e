"""Content-Security-Policy: only our own files run; Stripe only where a page needs it."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse

from dealdesk.factories import PASSWORD
from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote, published_quote
from dealdesk.workspaces.models import User, Workspace

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = "http://127.0.0.1:12111"
# Rendered by WeasyPrint into a PDF, never served as a page: its inline <style> is exempt.
PDF_TEMPLATES = {"quotes/pdf.html"}


def _policy(response: HttpResponseBase) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def _assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]


@pytest.mark.django_db
def test_item8_seller_page_has_strict_policy_without_stripe(bob_client: Client) -> None:
    response = bob_client.get(reverse("crm:deal_list"))

    assert response.status_code == 200
    policy = _policy(response)
    _assert_strict(policy)
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-src"] == ["'self'"]


@pytest.mark.django_db
def test_item8_sign_in_page_has_strict_policy(client: Client) -> None:
    response = client.get(reverse("login"))

    assert response.status_code == 200
    _assert_strict(_policy(response))


@pytest.mark.django_db
def test_item8_forms_post_only_to_us_except_connect_with_stripe(
    client: Client, alice_client: Client
) -> None:
    assert _policy(client.get(reverse("login")))["form-action"] == ["'self'"]
    # Connect with Stripe posts to us and is redirected to Stripe's authorize page.
    integrations = _policy(alice_client.get(reverse("payments:integrations")))
    assert integrations["form-action"] == ["'self'", SANDBOX]
    assert integrations["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_item8_buyer_quote_page_lets_stripe_js_in(acme: Workspace, bob: User) -> None:
    quote = published_quote(deal_with_lines(acme), bob)

    response = Client().get(reverse("quotes:public", kwargs={"token": quote.token}))

    assert response.status_code == 200
    policy = _policy(response)
    _assert_strict(policy)
    # settings.STRIPE_JS_URL is the sandbox's /v3/ here: origin only, added to 'self'.
    assert policy["script-src"] == ["'self'", SANDBOX]
    assert policy["frame-src"] == ["'self'", SANDBOX]
    assert policy["connect-src"] == ["'self'", SANDBOX]


@pytest.mark.django_db
def test_item8_buyer_accept_with_errors_keeps_the_stripe_policy(acme: Workspace, bob: User) -> None:
    quote = published_quote(deal_with_lines(acme), bob)
    quote.signature_required = True
    quote.save(update_fields=["signature_required"])

    response = Client().post(reverse("quotes:public_accept", kwargs={"token": quote.token}), {})

    assert response.status_code == 400
    assert _policy(response)["script-src"] == ["'self'", SANDBOX]


@pytest.mark.django_db
def test_item8_seller_preview_does_not_let_stripe_in(acme: Workspace, bob: User) -> None:
    quote = draft_quote(deal_with_lines(acme), bob)
    client = Client()
    client.force_login(bob)

    response = client.get(reverse("quotes:preview", kwargs={"pk": quote.pk}))

    assert response.status_code == 200
    assert _policy(response)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_item8_real_stripe_origins_follow_the_stripe_settings(
    settings: Any, acme: Workspace, bob: User
) -> None:
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    quote = published_quote(deal_with_lines(acme), bob)

    policy = _policy(Client().get(reverse("quotes:public", kwargs={"token": quote.token})))

    assert policy["script-src"] == ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
    assert "https://hooks.stripe.com" in policy["frame-src"]  # 3-D Secure
    assert policy["connect-src"] == ["'self'", "https://api.stripe.com"]


def _templates() -> list[tuple[str, str]]:
    found = []
    for directory in sorted((ROOT / "dealdesk").glob("**/templates")):
        for path in sorted(directory.glob("**/*.html")):
            name = path.relative_to(directory).as_posix()
            found.append((name, path.read_text()))
    return found


INLINE_PATTERNS = {
    "inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx hx-on": re.compile(r"\s(?:data-)?hx-on", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "<style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
}


def test_item8_templates_scan_covers_the_pages() -> None:
    names = {name for name, _ in _templates()}
    assert {"base.html", "quotes/public.html", "styleguide.html"} <= names
    assert names >= PDF_TEMPLATES


@pytest.mark.parametrize("kind", sorted(INLINE_PATTERNS))
def test_item8_no_template_has_inline_script_or_style(kind: str) -> None:
    pattern = INLINE_PATTERNS[kind]
    offenders = [
        f"{name}: {match.group(0)[:80]}"
        for name, text in _templates()
        if name not in PDF_TEMPLATES
        for match in pattern.finditer(text)
    ]
    assert offenders == []


def test_item8_htmx_does_not_inject_its_indicator_style() -> None:
    # htmx adds a <style> element unless told not to; the policy would refuse it.
    for name, text in _templates():
        if "htmx.min.js" in text:
            assert '"includeIndicatorStyles": false' in text, name


def _sign_in(page: Any, base_url: str, user: User) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_item8_chromium_reports_no_policy_violation_on_wizard_and_buyer_pages(
    live_server: Any, page: Any, acme: Workspace, bob: User
) -> None:
    deal = deal_with_lines(acme)
    draft = draft_quote(deal, bob)
    quote = published_quote(deal, bob)
    quote.signature_required = True
    quote.save(update_fields=["signature_required"])
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Refused to ' + e.violatedDirective + ': ' + e.blockedURI));"
    )

    _sign_in(page, live_server.url, bob)
    for url in (
        reverse("crm:deal_detail", kwargs={"pk": deal.pk}),
        reverse("quotes:step", kwargs={"pk": draft.pk, "step": "details"}),
        reverse("quotes:step", kwargs={"pk": draft.pk, "step": "lines"}),
        reverse("quotes:public", kwargs={"token": quote.token}),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
    # The buyer's empty Accept re-renders the page with errors; the Print button is wired up.
    page.get_by_role("button", name="Accept quote").click()
    page.wait_for_load_state("networkidle")
    page.evaluate("window.print = () => console.log('printed')")
    page.get_by_role("button", name="Print").click()

    assert "printed" in refused
    assert [text for text in refused if "Refused" in text or "Content Security" in text] == []
