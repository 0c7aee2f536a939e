"""Item 16: duplicating a quote into a new draft, and extending an expired quote."""

from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dealdesk.crm.models import Deal
from dealdesk.factories import ProductFactory
from dealdesk.lib import clock
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote, QuoteLine, QuoteStatus
from dealdesk.quotes.tests.factories import add_line, draft_quote, ready_stripe
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(days=40)  # published then with 30 days' validity: expired 10 days ago


def _url(name: str, quote: Quote) -> str:
    return reverse(f"quotes:{name}", kwargs={"pk": quote.pk})


def _public(quote: Quote) -> str:
    return reverse("quotes:public", kwargs={"token": quote.token})


def _line_inputs(quote: Quote) -> list[tuple[object, ...]]:
    return [
        (line.name, line.quantity, line.unit_amount_minor, line.discount_value, line.tax_rate_bp)
        for line in quote.lines.order_by("position", "pk")
    ]


def _today() -> date:
    return clock.local_date(clock.utcnow(), timezone.get_default_timezone())


# --- Duplicate -------------------------------------------------------------------------------


def _published_with_settings(deal: Deal, bob: User, now: datetime | None = None) -> Quote:
    """A quote whose lines differ from the deal's, with signature, comments and terms set."""
    quote = draft_quote(deal, bob, now=now)
    first = quote.lines.order_by("position").first()
    assert first is not None
    first.quantity = 3
    services.quote_lines_update(quote=quote, lines=[first])
    services.quote_line_add_from_product(
        quote=quote, product=ProductFactory.create(workspace=deal.workspace, name="Extra seat")
    )
    services.quote_update_payment(
        quote=quote, payment_enabled=False, collect_billing_address=False, signature_required=True
    )
    services.quote_update_notes(quote=quote, comments="Thanks!", terms="Net 30")
    return services.quote_publish(quote=quote, user=bob, now=now)


def test_item16_duplicate_is_a_new_draft_with_the_quotes_own_lines_and_settings(
    alice: User, bob: User, deal: Deal
) -> None:
    source = _published_with_settings(deal, bob)
    add_line(deal, "Added to the deal later")

    copy = services.quote_duplicate(quote=source, user=alice)

    assert copy.pk != source.pk
    assert copy.status == QuoteStatus.DRAFT
    assert (copy.number, copy.token, copy.version, copy.published_at) == (None, None, 0, None)
    assert copy.deal_id == source.deal_id
    assert copy.created_by == alice
    assert _line_inputs(copy) == _line_inputs(source)
    assert "Added to the deal later" not in [line.name for line in copy.lines.all()]
    assert not copy.lines.filter(total_minor__isnull=False).exists()  # priced live again
    assert (copy.title, copy.template, copy.language, copy.currency) == (
        source.title,
        source.template,
        source.language,
        source.currency,
    )
    assert copy.company_id == source.company_id
    assert set(copy.contacts.all()) == set(source.contacts.all())
    assert (copy.seller_name, copy.seller_email) == (source.seller_name, source.seller_email)
    assert copy.signature_required and not copy.payment_enabled
    assert (copy.comments, copy.terms) == ("Thanks!", "Net 30")
    assert copy.buyer_snapshot == {} and copy.totals_snapshot == {}


def test_item16_duplicate_of_an_old_quote_gets_a_fresh_expiry(bob: User, deal: Deal) -> None:
    source = _published_with_settings(deal, bob, now=clock.utcnow() - LONG_AGO)
    assert source.shows_as_expired

    copy = services.quote_duplicate(quote=source, user=bob)

    assert copy.expires_on == services.default_expiry(clock.utcnow())
    assert not copy.is_expired()


def test_item16_published_duplicate_gets_its_own_number_and_link(
    bob: User, published: Quote
) -> None:
    copy = services.quote_duplicate(quote=published, user=bob)

    copy = services.quote_publish(quote=copy, user=bob)

    assert copy.number == (published.number or 0) + 1
    assert copy.token and copy.token != published.token
    published.refresh_from_db()
    assert published.status == QuoteStatus.PUBLISHED and published.version == 1


def test_item16_duplicate_button_opens_the_copy_in_the_wizard(
    bob_client: Client, published: Quote
) -> None:
    page = bob_client.get(_url("detail", published)).content.decode()

    response = bob_client.post(_url("duplicate", published))

    assert f'action="{_url("duplicate", published)}"' in page
    copy = Quote.objects.exclude(pk=published.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quotes:step", kwargs={"pk": copy.pk, "step": "details"})


def test_item16_duplicate_is_post_only_and_needs_csrf(bob: User, published: Quote) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)

    assert client.get(_url("duplicate", published)).status_code == 405
    assert client.post(_url("duplicate", published)).status_code == 403
    assert Quote.objects.count() == 1


def test_item16_outsider_cannot_duplicate_our_quote(
    mallory_client: Client, published: Quote
) -> None:
    assert mallory_client.post(_url("duplicate", published)).status_code == 404
    assert Quote.objects.count() == 1


# --- Extend ----------------------------------------------------------------------------------


@pytest.fixture
def expired(deal: Deal, bob: User) -> Quote:
    """Published 40 days ago with a signature asked for; expired 10 days ago."""
    return _published_with_settings(deal, bob, now=clock.utcnow() - LONG_AGO)


def test_item16_extend_makes_the_buyers_old_link_acceptable_again(
    bob_client: Client, expired: Quote
) -> None:
    before = Client().get(_public(expired)).content.decode()
    lines_before = list(expired.lines.values_list("pk", "total_minor"))
    new_date = _today() + timedelta(days=14)

    response = bob_client.post(_url("extend", expired), {"expires_on": new_date.isoformat()})
    after = Client().get(_public(expired)).content.decode()

    assert "This quote expired on" in before and 'id="accept"' not in before
    assert response.status_code == 302
    assert "This quote expired on" not in after
    assert 'id="accept"' in after
    quote = Quote.objects.get(pk=expired.pk)
    assert quote.expires_on == new_date
    assert quote.version == expired.version + 1
    assert (quote.token, quote.number) == (expired.token, expired.number)
    assert quote.totals_snapshot == expired.totals_snapshot
    assert quote.buyer_snapshot == expired.buyer_snapshot
    assert list(quote.lines.values_list("pk", "total_minor")) == lines_before
    services.quote_accept(quote=quote, name="Carol Meier", ip=None)  # works again


def test_r13_extend_makes_an_expired_payable_quote_purchasable_again(
    bob: User, bob_client: Client, deal: Deal, acme: Workspace
) -> None:
    ready_stripe(acme)
    then = clock.utcnow() - LONG_AGO
    quote = draft_quote(deal, bob, now=then)
    services.quote_update_payment(
        quote=quote, payment_enabled=True, collect_billing_address=False, signature_required=False
    )
    quote = services.quote_publish(quote=quote, user=bob, now=then)
    before = Client().get(_public(quote)).content.decode()

    bob_client.post(
        _url("extend", quote), {"expires_on": (_today() + timedelta(days=7)).isoformat()}
    )
    after = Client().get(_public(quote)).content.decode()

    assert 'id="purchase"' not in before
    assert 'id="purchase"' in after


def test_item16_extend_refuses_a_past_date_with_a_form_error(
    bob_client: Client, expired: Quote
) -> None:
    yesterday = _today() - timedelta(days=1)

    response = bob_client.post(_url("extend", expired), {"expires_on": yesterday.isoformat()})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a date from today on." in page
    assert 'id="extend"' in page
    quote = Quote.objects.get(pk=expired.pk)
    assert (quote.expires_at, quote.version) == (expired.expires_at, expired.version)


def test_item16_extend_refuses_a_missing_or_broken_date(bob_client: Client, expired: Quote) -> None:
    for value in ("", "not-a-date", "2026-02-31"):
        response = bob_client.post(_url("extend", expired), {"expires_on": value})
        assert response.status_code == 400, value


def test_item16_extend_form_is_offered_only_on_an_expired_published_quote(
    bob_client: Client, expired: Quote, published: Quote, draft: Quote
) -> None:
    assert 'id="extend"' in bob_client.get(_url("detail", expired)).content.decode()
    assert 'id="extend"' not in bob_client.get(_url("detail", published)).content.decode()
    assert 'id="extend"' not in bob_client.get(_url("detail", draft)).content.decode()


@pytest.mark.parametrize("status", [QuoteStatus.ACCEPTED, QuoteStatus.PAID, QuoteStatus.ARCHIVED])
def test_item16_extend_is_refused_for_a_quote_that_is_done(
    bob: User, bob_client: Client, expired: Quote, status: QuoteStatus
) -> None:
    expired.transition_to(status)
    expired.save()
    new_date = _today() + timedelta(days=7)

    with pytest.raises(services.QuoteError):
        services.quote_extend(quote=expired, user=bob, expires_on=new_date)
    response = bob_client.post(_url("extend", expired), {"expires_on": new_date.isoformat()})

    assert response.status_code == 302
    quote = Quote.objects.get(pk=expired.pk)
    assert (quote.expires_at, quote.version) == (expired.expires_at, expired.version)


def test_item16_extend_is_refused_for_a_quote_that_has_not_expired(
    bob: User, published: Quote, draft: Quote
) -> None:
    for quote in (published, draft):
        with pytest.raises(services.QuoteError):
            services.quote_extend(quote=quote, user=bob, expires_on=_today() + timedelta(days=90))


def test_item16_outsider_cannot_extend_our_quote(mallory_client: Client, expired: Quote) -> None:
    new_date = (_today() + timedelta(days=7)).isoformat()

    assert mallory_client.post(_url("extend", expired), {"expires_on": new_date}).status_code == 404
    assert Quote.objects.get(pk=expired.pk).version == expired.version


def test_item16_duplicate_copies_lines_in_their_order(bob: User, draft: Quote) -> None:
    last = draft.lines.order_by("-position").first()
    assert last is not None
    services.quote_line_move(line=last, direction="up")

    copy = services.quote_duplicate(quote=draft, user=bob)

    assert [line.name for line in copy.lines.all()] == [line.name for line in draft.lines.all()]
    assert QuoteLine.objects.filter(quote=draft).count() == copy.lines.count()
