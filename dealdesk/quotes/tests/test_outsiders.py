"""Every seller view of a quote is a 404 for someone from another workspace (mallory)."""

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.quotes.models import Quote

pytestmark = pytest.mark.django_db

STEPS = ["details", "parties", "lines", "payment", "notes", "review"]


def _seller_urls(quote: Quote) -> list[tuple[str, str]]:
    pk = {"pk": quote.pk}
    urls = [("get", reverse("quotes:detail", kwargs=pk))]
    urls += [
        ("get", reverse("quotes:preview", kwargs=pk)),
        ("get", reverse("quotes:pdf", kwargs=pk)),
    ]
    for step in STEPS:
        url = reverse("quotes:step", kwargs={**pk, "step": step})
        urls += [("get", url), ("post", url)]
    for name in ("line_add", "publish", "recall", "archive", "duplicate", "extend"):
        urls.append(("post", reverse(f"quotes:{name}", kwargs=pk)))
    return urls


@pytest.mark.parametrize("which", ["draft", "published"])
def test_outsider_gets_404_on_every_seller_quote_view(
    mallory_client: Client, request: pytest.FixtureRequest, which: str
) -> None:
    quote: Quote = request.getfixturevalue(which)
    status_before = quote.status

    for method, url in _seller_urls(quote):
        response = getattr(mallory_client, method)(url, {"go": "next", "title": "Hijacked"})
        assert response.status_code == 404, (method, url)

    quote.refresh_from_db()
    assert quote.status == status_before
    assert quote.title == "Growth rollout"


def test_outsider_cannot_create_a_quote_from_our_deal(mallory_client: Client, deal: Deal) -> None:
    url = reverse("quotes:create", kwargs={"deal_pk": deal.pk})

    assert mallory_client.get(url).status_code == 404
    assert mallory_client.post(url, {"title": "x"}).status_code == 404
    assert not Quote.objects.exists()


def test_outsider_cannot_move_our_lines_through_their_own_quote(
    mallory_client: Client, draft: Quote, mallory: object
) -> None:
    from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote
    from dealdesk.workspaces.models import User

    assert isinstance(mallory, User)
    theirs = draft_quote(deal_with_lines(mallory.membership.workspace), mallory)
    our_line = draft.lines.first()
    assert our_line is not None

    response = mallory_client.post(
        reverse("quotes:step", kwargs={"pk": theirs.pk, "step": "lines"}),
        {
            "form-TOTAL_FORMS": "0",
            "form-INITIAL_FORMS": "0",
            "action": f"remove:{our_line.pk}",
        },
    )

    assert response.status_code == 404
    assert draft.lines.filter(pk=our_line.pk).exists()


def test_quote_list_shows_only_our_quotes(
    bob_client: Client, mallory_client: Client, draft: Quote
) -> None:
    assert draft.title in bob_client.get(reverse("quotes:list")).content.decode()
    assert draft.title not in mallory_client.get(reverse("quotes:list")).content.decode()


@pytest.mark.parametrize("which", ["draft", "published"])
def test_anonymous_seller_views_go_to_login(
    client: Client, request: pytest.FixtureRequest, which: str
) -> None:
    quote: Quote = request.getfixturevalue(which)
    status_before, lines_before = quote.status, quote.lines.count()

    for method, url in _seller_urls(quote):
        response = getattr(client, method)(url, {"go": "next", "title": "Hijacked"})
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login")), (method, url)

    quote.refresh_from_db()
    assert quote.status == status_before
    assert quote.title == "Growth rollout"
    assert quote.lines.count() == lines_before
