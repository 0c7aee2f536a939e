"""Forms that behave as a new user expects: Enter moves on, errors are listed and in view,
long names don't push amounts away, and the signature row says what happened."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.factories import CompanyFactory, DealFactory
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import draft_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


class _Forms(HTMLParser):
    """The POST forms of a page: their action and submit buttons in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self._current: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and attributes.get("method") == "post":
            self._current = {"action": attributes.get("action"), "buttons": []}
            self.forms.append(self._current)
        elif tag == "button" and self._current is not None and attributes.get("type") == "submit":
            buttons = self._current["buttons"]
            assert isinstance(buttons, list)
            buttons.append((attributes.get("name"), attributes.get("value")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _forms(html: str) -> list[dict[str, object]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _step(quote: Quote, step: str) -> str:
    return reverse("quotes:step", kwargs={"pk": quote.pk, "step": step})


@pytest.fixture
def quote(deal: Deal, bob: User) -> Quote:
    return draft_quote(deal, bob)


# --- Item 9: Enter means "Save and continue"; errors are summarised ----------------------------


@pytest.mark.parametrize("step", ["details", "parties", "payment", "notes"])
def test_item9_enter_in_a_wizard_field_submits_save_and_continue(
    bob_client: Client, quote: Quote, step: str
) -> None:
    # Browsers submit a form's first submit button when Enter is pressed in a field.
    html = bob_client.get(_step(quote, step)).content.decode()

    (form,) = [form for form in _forms(html) if not form["action"]]  # the step posts to itself
    buttons = form["buttons"]
    assert isinstance(buttons, list)
    assert buttons[0] == ("go", "next")
    assert ("go", "exit") in buttons  # "Save and close" is still there, just not the default


def test_item9_failed_step_lists_its_errors_as_links_to_the_fields(
    bob_client: Client, quote: Quote
) -> None:
    response = bob_client.post(
        _step(quote, "details"), {"title": "", "template": "standard", "go": "next"}
    )

    html = response.content.decode()
    assert response.status_code in {200, 400}
    assert 'role="alert" tabindex="-1" data-error-summary' in html
    assert '<a href="#id_title">Quote title: This field is required.</a>' in html
    assert '<a href="#id_expires_on">' in html


def test_item9_line_errors_are_summarised_per_line(bob_client: Client, quote: Quote) -> None:
    first, second = quote.lines.all()
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "go": "next",
    }
    for index, (line, quantity) in enumerate([(first, "0"), (second, "1")]):
        data.update(
            {
                f"form-{index}-id": str(line.pk),
                f"form-{index}-quantity": quantity,
                f"form-{index}-unit_amount_minor": "10.00",
                f"form-{index}-discount_kind": "none",
            }
        )

    html = bob_client.post(_step(quote, "lines"), data).content.decode()

    assert "data-error-summary" in html
    assert f'<a href="#id_form-0-quantity">{first.name} · Quantity: ' in html
    # Item 11: the message sits in a full-width row under the line, not in the narrow cell.
    assert '<tr class="is-invalid row-errors">\n          <td colspan="6">' in html


def test_item9_a_valid_page_has_no_error_summary(bob_client: Client, quote: Quote) -> None:
    assert "data-error-summary" not in bob_client.get(_step(quote, "details")).content.decode()


# --- Item 11: long names in lists ----------------------------------------------------------------


def test_item11_long_company_and_deal_names_are_clamped_with_the_full_text_in_title(
    bob_client: Client, acme: Workspace
) -> None:
    name = "Internationale Versicherungs- und Rückversicherungsgesellschaft Nordsee AG"
    company = CompanyFactory.create(workspace=acme, name=name)
    DealFactory.create(workspace=acme, company=company, name="Platform rollout " * 5)

    html = bob_client.get(reverse("crm:deal_list")).content.decode()

    assert f'class="cell-truncate" href="/companies/{company.pk}/" title="{name}"' in html
    assert 'title="Platform rollout Platform rollout' in html


# --- Item 12: the buyer's Accept form comes back to itself -------------------------------------


def test_item12_accept_form_posts_to_its_own_anchor(deal: Deal, bob: User) -> None:
    quote = draft_quote(deal, bob)
    services.quote_update_payment(
        quote=quote, payment_enabled=False, collect_billing_address=False, signature_required=True
    )
    quote = services.quote_publish(quote=quote, user=bob)
    url = reverse("quotes:public_accept", kwargs={"token": quote.token})

    page = Client().get(reverse("quotes:public", kwargs={"token": quote.token})).content.decode()
    refused = Client().post(url, {})

    assert f'action="{url}#accept"' in page
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "data-error-summary" in html
    # A sentence label loses its full stop before the colon.
    assert ">I accept this quote and its terms: This field is required.</a>" in html


# --- Item 14: "Signature" says required, then who signed and when ------------------------------


def _signature_row(client: Client, quote: Quote, step: str | None = None) -> str:
    url = _step(quote, step) if step else reverse("quotes:detail", kwargs={"pk": quote.pk})
    html = client.get(url).content.decode()
    start = html.index('id="signature-status"')
    return " ".join(html[start : html.index("</dd>", start)].split())


def _with_signature(quote: Quote) -> Quote:
    services.quote_update_payment(
        quote=quote, payment_enabled=False, collect_billing_address=False, signature_required=True
    )
    quote.refresh_from_db()
    return quote


def test_item14_signature_is_required_not_collected_before_anyone_signed(
    bob_client: Client, quote: Quote, bob: User
) -> None:
    quote = _with_signature(quote)
    review = _signature_row(bob_client, quote, "review")
    published = services.quote_publish(quote=quote, user=bob)

    detail = _signature_row(bob_client, published)

    for row in (review, detail):
        assert "Required" in row
        assert "Not signed yet" in row
        assert "Collected" not in row
        assert "Signed by" not in row


def test_item14_signature_names_the_signer_and_the_date_once_signed(
    bob_client: Client, quote: Quote, bob: User
) -> None:
    published = services.quote_publish(quote=_with_signature(quote), user=bob)
    services.quote_accept(
        quote=published,
        name="Carol Meier",
        ip="203.0.113.7",
        now=datetime(2026, 3, 4, 10, 30, tzinfo=UTC),
    )

    row = _signature_row(bob_client, published)

    assert "Signed by Carol Meier on March 4, 2026" in row
    assert "203.0.113.7" in row
    assert "Required" not in row


def test_item14_signature_not_asked_for_says_not_required(bob_client: Client, quote: Quote) -> None:
    row = _signature_row(bob_client, quote, "review")

    assert "Not required" in row
    assert "Collected" not in row
