"""Creating a quote from a deal (R6) and the wizard's steps (R7, R10)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal, DealLineItem
from dealdesk.factories import DealFactory, ProductFactory
from dealdesk.lib import clock
from dealdesk.quotes import selectors, services
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.quotes.tests.factories import (
    add_line,
    deal_with_lines,
    draft_quote,
    ready_stripe,
    unactivated_stripe,
)
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def _step(quote: Quote, step: str) -> str:
    return reverse("quotes:step", kwargs={"pk": quote.pk, "step": step})


def _details(**overrides: str) -> dict[str, str]:
    expires = (clock.utcnow().date() + timedelta(days=10)).isoformat()
    data = {
        "title": "Growth rollout",
        "template": "standard",
        "language": "de",
        "expires_on": expires,
        "go": "next",
    }
    data.update(overrides)
    return data


# --- R6 --------------------------------------------------------------------------------------


def test_r6_deal_without_lines_cannot_get_quote(
    bob: User, bob_client: Client, acme: Workspace
) -> None:
    empty = DealFactory.create(workspace=acme)
    url = reverse("quotes:create", kwargs={"deal_pk": empty.pk})

    page = bob_client.get(url)
    posted = bob_client.post(url, _details())

    assert page.status_code == 200
    assert "Add at least one product" in page.content.decode()
    assert reverse("crm:deal_detail", kwargs={"pk": empty.pk}) + "#line-items" in (
        page.content.decode()
    )
    assert posted.status_code == 409
    assert not Quote.objects.exists()
    with pytest.raises(services.DealHasNoLines):
        draft_quote(empty, bob)


def test_r6_deal_quotes_card_explains_and_links_to_adding_products(
    bob_client: Client, acme: Workspace
) -> None:
    from django.template.loader import render_to_string

    empty = DealFactory.create(workspace=acme)
    html = render_to_string(
        "quotes/includes/deal_quotes.html",
        {"deal": empty, "deal_quotes": selectors.deal_quotes(workspace=acme, deal=empty)},
    )

    assert "Create quote" not in html
    assert f'href="/deals/{empty.pk}/#line-items"' in html


def test_deal_quotes_card_lists_quotes_and_offers_create(
    draft: Quote, deal: Deal, acme: Workspace
) -> None:
    from django.template.loader import render_to_string

    html = render_to_string(
        "quotes/includes/deal_quotes.html",
        {"deal": deal, "deal_quotes": selectors.deal_quotes(workspace=acme, deal=deal)},
    )

    assert reverse("quotes:create", kwargs={"deal_pk": deal.pk}) in html
    assert draft.title in html
    assert "Draft" in html


# --- Step 1: creating the draft --------------------------------------------------------------


def test_create_quote_from_deal_copies_lines_buyer_and_seller(
    bob: User, bob_client: Client, deal: Deal
) -> None:
    response = bob_client.post(reverse("quotes:create", kwargs={"deal_pk": deal.pk}), _details())

    quote = Quote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _step(quote, "parties")
    assert quote.status == QuoteStatus.DRAFT
    assert (quote.title, quote.language, quote.currency) == ("Growth rollout", "de", "EUR")
    assert quote.company == deal.company
    assert list(quote.contacts.all()) == list(deal.contacts.all())
    assert (quote.seller_name, quote.seller_email) == ("Bob Example", "bob@acme.example")
    assert [(line.name, line.quantity, line.unit_amount_minor) for line in quote.lines.all()] == [
        (line.name, line.quantity, line.unit_amount_minor) for line in deal.line_items.all()
    ]


def test_step_one_offers_defaults_thirty_days_ahead(bob_client: Client, deal: Deal) -> None:
    response = bob_client.get(reverse("quotes:create", kwargs={"deal_pk": deal.pk}))

    expected = services.default_expiry(clock.utcnow()).isoformat()
    assert response.status_code == 200
    assert f'value="{expected}"' in response.content.decode()
    assert deal.name in response.content.decode()


def test_r8_expiration_date_in_the_past_is_refused(bob_client: Client, deal: Deal) -> None:
    yesterday = (clock.utcnow().date() - timedelta(days=2)).isoformat()
    response = bob_client.post(
        reverse("quotes:create", kwargs={"deal_pk": deal.pk}), _details(expires_on=yesterday)
    )

    assert response.status_code == 400
    assert not Quote.objects.exists()


def test_a_deal_can_have_several_quotes(bob: User, deal: Deal) -> None:
    draft_quote(deal, bob, title="Option A")
    draft_quote(deal, bob, title="Option B")

    assert Quote.objects.filter(deal=deal).count() == 2


def test_step_one_edits_the_draft_and_back_goes_nowhere_before_it(
    bob_client: Client, draft: Quote
) -> None:
    response = bob_client.post(_step(draft, "details"), _details(title="New title", go="exit"))

    draft.refresh_from_db()
    assert response["Location"] == reverse("quotes:detail", kwargs={"pk": draft.pk})
    assert draft.title == "New title"


# --- Step 2: parties -------------------------------------------------------------------------


def test_step_two_sets_buyer_and_seller_details(bob_client: Client, draft: Quote) -> None:
    response = bob_client.post(
        _step(draft, "parties"),
        {
            "contacts": [],
            "company": "",
            "seller_name": "Bob B.",
            "seller_email": "sales@acme.example",
            "seller_phone": "+49 30 1234",
            "go": "back",
        },
    )

    draft.refresh_from_db()
    assert response["Location"] == _step(draft, "details")
    assert draft.company is None
    assert not draft.contacts.exists()
    assert (draft.seller_name, draft.seller_email, draft.seller_phone) == (
        "Bob B.",
        "sales@acme.example",
        "+49 30 1234",
    )


def test_step_two_offers_only_the_deals_contacts(
    bob_client: Client, draft: Quote, acme: Workspace
) -> None:
    from dealdesk.factories import ContactFactory

    stranger = ContactFactory.create(workspace=acme, first_name="Stranger")
    response = bob_client.post(
        _step(draft, "parties"),
        {"contacts": [stranger.pk], "seller_name": "Bob", "seller_email": "bob@acme.example"},
    )

    assert response.status_code == 400
    assert stranger not in draft.contacts.all()


# --- Step 3: lines ---------------------------------------------------------------------------


def _lines_post(quote: Quote, changes: dict[int, dict[str, str]], **extra: str) -> dict[str, str]:
    lines = list(quote.lines.all())
    data = {
        "form-TOTAL_FORMS": str(len(lines)),
        "form-INITIAL_FORMS": str(len(lines)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        row = {
            "id": str(line.pk),
            "quantity": str(line.quantity),
            "unit_amount_minor": f"{line.unit_amount_minor / 100:.2f}",
            "discount_kind": line.discount_kind,
            "discount": "",
        }
        row.update(changes.get(index, {}))
        data.update({f"form-{index}-{key}": value for key, value in row.items()})
    data.update(extra)
    return data


def test_line_edits_change_the_quote_but_never_the_deal(
    bob_client: Client, draft: Quote, deal: Deal
) -> None:
    before = list(deal.line_items.values_list("quantity", "unit_amount_minor", "discount_value"))
    response = bob_client.post(
        _step(draft, "lines"),
        _lines_post(
            draft,
            {
                0: {"quantity": "2", "unit_amount_minor": "1,200.00"},
                1: {"discount_kind": "percent", "discount": "12.5"},
            },
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == _step(draft, "payment")
    first, second = draft.lines.all()
    assert (first.quantity, first.unit_amount_minor) == (2, 120_000)
    assert (second.discount_kind, second.discount_value) == ("percent", 1250)
    after = list(deal.line_items.values_list("quantity", "unit_amount_minor", "discount_value"))
    assert after == before


def test_line_edit_errors_are_shown_next_to_the_line(bob_client: Client, draft: Quote) -> None:
    response = bob_client.post(
        _step(draft, "lines"),
        _lines_post(draft, {0: {"quantity": "0"}, 1: {"discount_kind": "percent"}}),
    )

    assert response.status_code == 400
    assert response.content.decode().count('class="is-invalid"') == 2


def test_lines_can_be_reordered_and_removed(bob_client: Client, draft: Quote) -> None:
    first, second = draft.lines.all()

    bob_client.post(_step(draft, "lines"), _lines_post(draft, {}, action=f"down:{first.pk}"))
    assert list(draft.lines.values_list("pk", flat=True)) == [second.pk, first.pk]

    bob_client.post(_step(draft, "lines"), _lines_post(draft, {}, action=f"remove:{second.pk}"))
    assert list(draft.lines.values_list("pk", flat=True)) == [first.pk]


def test_add_from_catalog_adds_to_the_quote_not_the_deal(
    bob_client: Client, draft: Quote, deal: Deal, acme: Workspace
) -> None:
    product = ProductFactory.create(workspace=acme, name="Analytics add-on", unit_amount_minor=1900)
    deal_lines = deal.line_items.count()

    response = bob_client.post(
        reverse("quotes:line_add", kwargs={"pk": draft.pk}), {"product": product.pk, "quantity": 3}
    )

    assert response.status_code == 302
    added = draft.lines.last()
    assert added is not None
    assert (added.name, added.quantity, added.unit_amount_minor) == ("Analytics add-on", 3, 1900)
    assert deal.line_items.count() == deal_lines


def test_add_from_catalog_refuses_another_workspaces_product(
    bob_client: Client, draft: Quote, umbrella: Workspace
) -> None:
    theirs = ProductFactory.create(workspace=umbrella)

    response = bob_client.post(
        reverse("quotes:line_add", kwargs={"pk": draft.pk}), {"product": theirs.pk, "quantity": 1}
    )

    assert response.status_code == 400
    assert draft.lines.count() == 2


# --- Step 4: signature & payment (R7, R2, R10) -----------------------------------------------


def test_r7_payment_switch_refused_without_activated_account(
    bob_client: Client, draft: Quote, acme: Workspace
) -> None:
    unactivated_stripe(acme)

    page = bob_client.get(_step(draft, "payment"))
    response = bob_client.post(_step(draft, "payment"), {"payment_enabled": "on"})

    assert "Stripe needs more information" in page.content.decode()
    switch = re.search(r'<input[^>]*name="payment_enabled"[^>]*>', page.content.decode())
    assert switch is not None and " disabled" in switch.group(0)
    assert response.status_code == 400
    assert "Stripe needs more information" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.payment_enabled


def test_r7_payment_switch_refused_without_any_stripe_connection(
    bob_client: Client, draft: Quote, alice: User
) -> None:
    response = bob_client.post(_step(draft, "payment"), {"payment_enabled": "on"})

    assert response.status_code == 400
    assert "Connect your Stripe account" in response.content.decode()
    assert "Ask an admin (Alice Example) to connect Stripe." in response.content.decode()


def test_r7_payment_switch_on_with_an_activated_account(
    bob_client: Client, draft: Quote, acme: Workspace
) -> None:
    ready_stripe(acme)

    response = bob_client.post(
        _step(draft, "payment"),
        {"payment_enabled": "on", "collect_billing_address": "on", "signature_required": "on"},
    )

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.payment_enabled and draft.collect_billing_address and draft.signature_required


def test_r10_mixed_frequencies_refuse_switch_and_publish_naming_lines(
    bob: User, bob_client: Client, acme: Workspace
) -> None:
    ready_stripe(acme)
    deal = deal_with_lines(acme)
    add_line(deal, "Quarterly success review", "month", 3)
    add_line(deal, "Enterprise support", "year", 1)
    add_line(deal, "Second workshop")  # one-time lines never clash
    quote = draft_quote(deal, bob)

    response = bob_client.post(_step(quote, "payment"), {"payment_enabled": "on"})

    assert response.status_code == 400
    message = response.content.decode()
    assert "“Quarterly success review” (Every 3 months)" in message
    assert "“Enterprise support” (Yearly)" in message
    assert "Growth plan" not in message.split("frequency-problem")[-1].split("</div>")[0]
    quote.refresh_from_db()
    assert not quote.payment_enabled

    # Switched on earlier, clashing lines added since: publishing is refused too.
    Quote.objects.filter(pk=quote.pk).update(payment_enabled=True)
    quote.refresh_from_db()
    publish = bob_client.post(reverse("quotes:publish", kwargs={"pk": quote.pk}))
    assert publish.status_code == 400
    assert "“Enterprise support” (Yearly)" in publish.content.decode()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT
    with pytest.raises(services.PublishRefused) as refused:
        services.quote_publish(quote=quote, user=bob)
    assert any("Quarterly success review" in problem for problem in refused.value.problems)


def test_r10_one_frequency_with_one_time_lines_may_take_payments(
    bob: User, acme: Workspace
) -> None:
    ready_stripe(acme)
    deal = deal_with_lines(acme)
    add_line(deal, "Analytics add-on", "month", 1)
    quote = draft_quote(deal, bob)

    services.quote_update_payment(
        quote=quote, payment_enabled=True, collect_billing_address=False, signature_required=False
    )
    published = services.quote_publish(quote=quote, user=bob)

    assert published.payment_enabled
    assert published.status == QuoteStatus.PUBLISHED


def test_r7_publish_refused_when_account_stops_accepting_payments(
    bob: User, draft: Quote, acme: Workspace
) -> None:
    connection = ready_stripe(acme)
    services.quote_update_payment(
        quote=draft, payment_enabled=True, collect_billing_address=False, signature_required=False
    )
    connection.charges_enabled = False
    connection.save()

    with pytest.raises(services.PublishRefused) as refused:
        services.quote_publish(quote=draft, user=bob)

    assert "Stripe needs more information" in refused.value.problems[0]


# --- Steps 5 and 6 ---------------------------------------------------------------------------


def test_step_five_saves_comments_and_terms(bob_client: Client, draft: Quote) -> None:
    bob_client.post(_step(draft, "notes"), {"comments": "Hi Carol", "terms": "Net 14"})

    draft.refresh_from_db()
    assert (draft.comments, draft.terms) == ("Hi Carol", "Net 14")


def test_review_shows_the_quote_and_publish_button(bob_client: Client, draft: Quote) -> None:
    response = bob_client.get(_step(draft, "review"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Onboarding workshop" in body
    assert "Publish quote" in body


def test_published_quote_cannot_be_edited_in_the_wizard(
    bob_client: Client, published: Quote
) -> None:
    response = bob_client.get(_step(published, "lines"))

    assert response.status_code == 302
    assert response["Location"] == reverse("quotes:detail", kwargs={"pk": published.pk})
    with pytest.raises(services.QuoteNotEditable):
        services.quote_update_notes(quote=published, comments="sneaky", terms="")


def test_deal_lines_stay_untouched_after_the_quote_is_created(draft: Quote, deal: Deal) -> None:
    line = draft.lines.first()
    assert line is not None
    line.quantity = 99
    services.quote_lines_update(quote=draft, lines=[line])

    assert not DealLineItem.objects.filter(deal=deal, quantity=99).exists()
