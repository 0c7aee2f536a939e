from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Stripe's requirement codes that sellers meet most often, in their words.
# Codes not listed here are shown as readable text ("company.tax_id" → "Company tax id").
KNOWN: dict[str, Promise] = {
    "business_profile.mcc": _("Industry of the business"),
    "business_profile.url": _("Business website"),
    "business_profile.product_description": _("Description of what you sell"),
    "business_type": _("Type of business"),
    "external_account": _("Bank account for payouts"),
    "tos_acceptance.date": _("Acceptance of Stripe's terms of service"),
    "tos_acceptance.ip": _("Acceptance of Stripe's terms of service"),
    "company.tax_id": _("Company tax ID"),
    "company.address.line1": _("Company address"),
    "individual.verification.document": _("Identity document"),
}


def _person(code: str) -> str | None:
    prefix, _dot, field = code.partition(".")
    if prefix in {"representative", "individual"} and field in {"first_name", "last_name"}:
        return str(_("Name of the account representative"))
    if prefix in {"representative", "individual"} and field.startswith("dob"):
        return str(_("Date of birth of the account representative"))
    return None


@register.filter
def requirement_labels(codes: list[str]) -> list[str]:
    """Stripe's ``requirements.currently_due`` as distinct, readable items."""
    labels: list[str] = []
    for code in codes:
        label = KNOWN.get(code)
        text = str(label) if label is not None else _person(code)
        if text is None:
            words = code.replace(".", " ").replace("_", " ").strip()
            text = words[:1].upper() + words[1:]
        if text not in labels:
            labels.append(text)
    return labels
