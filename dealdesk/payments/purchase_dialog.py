"""What the buyer's Purchase dialog shows (R9): countries in the quote's language, the
address fields each country uses, and billing details prefilled from the quote.

Plain reads, no Stripe: the quote page renders them, purchase.js switches the
address fields when the buyer picks another country.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from babel import Locale
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from dealdesk.quotes.models import Quote

# Codes CLDR names that are not countries a card can be billed in: groupings
# (EU, UN, …), "unknown" and exceptionally reserved ISO codes.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)

# Countries whose postal addresses carry a state, province or prefecture.
_STATES = ("AU", "BR", "IN", "MX", "MY", "US")
_PROVINCES = ("CA", "CN", "IT")
_PREFECTURES = ("JP",)

# Countries whose addresses have no postal code (Stripe takes a billing address without one):
# the dialog hides the field and the server does not ask for it.
_NO_POSTAL_CODES = (
    "AE AG AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM DJ DM ER FJ GA GD GH GM GQ GY HK "
    "JM KI KM KN KP ML MO MR MS MW NR NU QA RW SB SC SL SO SR SS ST SY TD TF TG TK TL TO "
    "TT TV UG VU YE ZW"
)
WITHOUT_POSTAL_CODE = frozenset(_NO_POSTAL_CODES.split())


def needs_postal_code(country: str) -> bool:
    return country.upper() not in WITHOUT_POSTAL_CODE


@dataclass(frozen=True)
class BillingPrefill:
    """The dialog's starting values; the buyer may change every one."""

    name: str = ""
    email: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""


def _sort_key(name: str) -> str:
    # "Österreich" sorts with O, "Åland" with A, as a reader expects.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@cache
def countries(language: str) -> tuple[tuple[str, str], ...]:
    """ISO 3166 alpha-2 codes with their names in ``language``, sorted by name."""
    names = Locale.parse(language).territories
    pairs = [
        (code, str(name))
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def address_labels() -> dict[str, dict[str, str]]:
    """Per country, the labels of the fields that differ: {"US": {"state": …, "postal_code": …}}.

    A country without a "state" entry has no state field; an empty "postal_code" label
    means the country has no postal codes. Call inside the quote's language.
    """
    labels: dict[str, dict[str, str]] = {}
    for codes, label in (
        (_STATES, _("State")),
        (_PROVINCES, _("Province")),
        (_PREFECTURES, _("Prefecture")),
    ):
        for code in codes:
            labels[code] = {"state": label}
    labels["US"]["postal_code"] = _("ZIP code")
    for code in WITHOUT_POSTAL_CODE:
        labels.setdefault(code, {})["postal_code"] = ""
    return labels


def script_messages() -> dict[str, str]:
    """What purchase.js may have to say on its own, in the quote's language."""
    return {
        "offline": _(
            "We could not reach the server. Nothing was charged. "
            "Check your connection and try again."
        ),
        "failed": _("Something went wrong on our side. Nothing was charged. Try again."),
        "stripeMissing": _("The payment form could not be loaded. Reload the page and try again."),
        "cardAgain": _("Please enter your card details again."),
        "paid": _("Payment received. Opening your receipt…"),
    }


def _country_code(text: str, language: str) -> str:
    """A company's free-text country ("DE", "Germany", "Deutschland") as a code, or ""."""
    wanted = _sort_key(text.strip())
    if not wanted:
        return ""
    for lang in dict.fromkeys((language, "en")):
        for code, name in countries(lang):
            if wanted in (code.casefold(), _sort_key(name)):
                return code
    return ""


def billing_prefill(quote: Quote) -> BillingPrefill:
    """Who the quote was made out to: its first buyer contact and company as published.

    Name, email and company come from the frozen buyer snapshot. The snapshot
    keeps the address only as printed lines, so the address fields come from
    the quote's company record when it still exists.
    """
    snapshot = quote.buyer_snapshot or {}
    contacts = snapshot.get("contacts") or []
    first = contacts[0] if contacts else {}
    company = quote.company
    address = {}
    if company is not None:
        address = {
            "line1": company.address_line1,
            "line2": company.address_line2,
            "city": company.city,
            "postal_code": company.postal_code,
            "country": _country_code(company.country, quote.language),
        }
    return BillingPrefill(
        name=str(first.get("name", "")),
        email=str(first.get("email", "")),
        company=str(snapshot.get("company_name", "")),
        **address,
    )
