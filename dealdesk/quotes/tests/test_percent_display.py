"""Issue item 3: a rate reads the same on the deal page, the quote page and its PDF.

Decision: CLDR per language, "19%" in English and "19 %" in German, where the
space is a no-break space (U+00A0) so the number and its sign never wrap apart.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.quotes import pdf, selectors
from dealdesk.quotes.tests.factories import deal_with_lines, published_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

# (name, quantity, unit price in cents, interval, interval count, tax bp)
LINES = [("Workshop", 1, 150_000, "", None, 1_900), ("Licence", 10, 4_900, "month", 1, 750)]


def _pages(client: Client, deal: Deal, bob: User, language: str) -> dict[str, str]:
    bob.language = language
    bob.save()
    deal.line_items.update(discount_kind="percent", discount_value=1_000)
    quote = published_quote(deal, bob, language=language)
    return {
        "deal page": client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode(),
        "seller's quote page": client.get(
            reverse("quotes:detail", args=[quote.pk])
        ).content.decode(),
        "buyer's quote page": Client()
        .get(reverse("quotes:public", args=[quote.token]))
        .content.decode(),
        "PDF": pdf.quote_html(selectors.quote_document(quote=quote)),
    }


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("en", ["19%", "7.5%", "10%"], ["19 %", "19\xa0%"]),
        ("de", ["19\xa0%", "7,5\xa0%", "10\xa0%"], ["19 %", "19%", "7,5 %", "10 %"]),
    ],
)
def test_item3_rates_read_the_same_on_deal_quote_and_pdf(
    bob: User,
    bob_client: Client,
    acme: Workspace,
    language: str,
    shown: list[str],
    not_shown: list[str],
) -> None:
    deal = deal_with_lines(acme, LINES)

    for where, html in _pages(bob_client, deal, bob, language).items():
        for text in shown:
            assert text in html, (where, text)
        for text in not_shown:
            assert text not in html, (where, text)
