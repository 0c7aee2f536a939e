"""Publishing (R8): freezing, numbering, the unguessable link, recall and republish."""

import base64
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from dealdesk.catalog.models import Product
from dealdesk.crm.models import Deal
from dealdesk.factories import ProductFactory
from dealdesk.lib import clock
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote, published_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def test_r8_published_quote_has_unguessable_link(published: Quote, deal: Deal, bob: User) -> None:
    other = published_quote(deal, bob)

    assert published.token is not None and other.token is not None
    assert len(published.token) >= 43  # 32 bytes of secrets.token_urlsafe: 256 bits
    assert published.token != other.token
    # 32 random bytes, URL-safe: nothing in it comes from the quote's id or number.
    assert len(base64.urlsafe_b64decode(published.token + "=")) == 32
    assert reverse("quotes:public", kwargs={"token": published.token}) == f"/q/{published.token}/"


def test_r8_drafts_have_no_link_and_no_number(draft: Quote) -> None:
    assert draft.token is None
    assert draft.number is None


def test_publish_from_the_review_step(bob_client: Client, draft: Quote) -> None:
    response = bob_client.post(reverse("quotes:publish", kwargs={"pk": draft.pk}))

    draft.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("quotes:detail", kwargs={"pk": draft.pk})
    assert draft.status == QuoteStatus.PUBLISHED
    assert (draft.number, draft.version) == (1, 1)
    detail = bob_client.get(response["Location"]).content.decode()
    assert f"/q/{draft.token}/" in detail
    assert "Copy link" in detail


def test_publish_freezes_lines_totals_and_both_parties(
    published: Quote, deal: Deal, acme: Workspace
) -> None:
    public_url = reverse("quotes:public", kwargs={"token": published.token})
    before = Client().get(public_url).content.decode()

    # Everything the quote was built from changes afterwards...
    line = deal.line_items.first()
    assert line is not None
    line.name, line.unit_amount_minor = "Renamed workshop", 1
    line.save()
    assert deal.company is not None
    deal.company.name = "Globex Renamed AG"
    deal.company.city = "Hamburg"
    deal.company.save()
    deal.contacts.update(email="changed@globex.example")
    acme.name = "Acme Renamed"
    acme.save()
    Product.objects.filter(workspace=acme).update(unit_amount_minor=1)

    after = Client().get(public_url).content.decode()

    # ...and the buyer still sees what was published.
    for text in (
        "Onboarding workshop",
        "Globex GmbH",
        "Berlin",
        "carol@globex.example",
        "Acme GmbH",
    ):
        assert text in before
        assert text in after
    for text in ("Renamed workshop", "Globex Renamed AG", "Hamburg", "changed@", "Acme Renamed"):
        assert text not in after
    assert published.totals_snapshot["due_today"] == (150_000 + 28_500) + (122_500 + 23_275)
    first = published.lines.first()
    assert first is not None
    assert (first.subtotal_minor, first.tax_minor, first.total_minor) == (150_000, 28_500, 178_500)


def test_frozen_totals_are_shown_even_if_the_pricing_inputs_change_underneath(
    published: Quote,
) -> None:
    # A frozen line keeps its amounts: the page reads them, not a fresh calculation.
    published.lines.update(unit_amount_minor=1)
    html = Client().get(reverse("quotes:public", kwargs={"token": published.token}))

    assert "€1,785.00" in html.content.decode()


def test_quote_numbers_count_up_per_workspace(
    bob: User, mallory: User, acme: Workspace, umbrella: Workspace
) -> None:
    ours = deal_with_lines(acme)
    theirs = deal_with_lines(umbrella)

    numbers = [published_quote(ours, bob).number for _ in range(3)]
    other = published_quote(theirs, mallory).number

    assert numbers == [1, 2, 3]
    assert other == 1
    assert [Quote.objects.get(number=n, workspace=acme).display_number for n in numbers] == [
        "Q-0001",
        "Q-0002",
        "Q-0003",
    ]


@pytest.mark.django_db(transaction=True)
def test_quote_numbers_stay_unique_when_publishing_concurrently(bob: User, acme: Workspace) -> None:
    assert connection.vendor == "postgresql"
    deal = deal_with_lines(acme)
    drafts = [draft_quote(deal, bob, title=f"Quote {i}") for i in range(6)]
    start = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def publish(quote: Quote) -> None:
        try:
            start.wait(timeout=10)
            services.quote_publish(quote=quote, user=bob)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(quote,)) for quote in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    numbers = Quote.objects.filter(workspace=acme).order_by("number").values_list("number")
    assert [number for (number,) in numbers] == [1, 2, 3, 4, 5, 6]


def test_recall_edit_republish_keeps_link_and_number_and_shows_new_version(
    bob: User, bob_client: Client, published: Quote
) -> None:
    token, number = published.token, published.number
    public_url = reverse("quotes:public", kwargs={"token": token})

    bob_client.post(reverse("quotes:recall", kwargs={"pk": published.pk}))
    recalled = Client().get(public_url)
    line = published.lines.first()
    assert line is not None
    line.quantity = 3
    services.quote_lines_update(quote=published, lines=[line])
    bob_client.post(reverse("quotes:publish", kwargs={"pk": published.pk}))
    republished = Client().get(public_url)

    published.refresh_from_db()
    assert recalled.status_code == 404
    assert (published.token, published.number, published.version) == (token, number, 2)
    assert republished.status_code == 200
    assert "€5,355.00" in republished.content.decode()  # 3 x 1,500.00 + 19 % tax


def test_recall_only_a_published_quote(bob: User, draft: Quote) -> None:
    with pytest.raises(services.QuoteError):
        services.quote_recall(quote=draft, user=bob)


def test_archive_takes_a_published_quote_offline(bob: User, published: Quote) -> None:
    services.quote_archive(quote=published, user=bob)

    response = Client().get(reverse("quotes:public", kwargs={"token": published.token}))
    assert response.status_code == 404
    with pytest.raises(services.QuoteError):
        services.quote_recall(quote=published, user=bob)


def test_publishing_twice_is_refused(bob: User, published: Quote) -> None:
    with pytest.raises(services.QuoteNotEditable):
        services.quote_publish(quote=published, user=bob)
    published.refresh_from_db()
    assert published.version == 1


def test_r13_an_expired_draft_cannot_be_published(bob: User, deal: Deal) -> None:
    then = clock.utcnow() - timedelta(days=40)
    quote = draft_quote(deal, bob, now=then, expires_on=then.date() + timedelta(days=30))

    with pytest.raises(services.PublishRefused) as refused:
        services.quote_publish(quote=quote, user=bob)

    assert "expiration date has passed" in refused.value.problems[0]


def test_catalog_product_change_after_publish_does_not_touch_the_quote(
    bob: User, acme: Workspace, deal: Deal
) -> None:
    product = ProductFactory.create(workspace=acme, name="Add-on", unit_amount_minor=1000)
    quote = draft_quote(deal, bob)
    services.quote_line_add_from_product(quote=quote, product=product, quantity=1)
    services.quote_publish(quote=quote, user=bob)

    product.name, product.unit_amount_minor = "Changed", 5
    product.save()

    added = quote.lines.last()
    assert added is not None
    assert (added.name, added.unit_amount_minor, added.total_minor) == ("Add-on", 1000, 1000)
