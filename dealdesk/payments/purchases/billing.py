"""The buyer's billing details: as typed in the Purchase dialog, and as stored on a purchase."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dealdesk.payments.models import Purchase
from dealdesk.payments.stripe_gateway import purchases as stripe_purchases
from dealdesk.quotes.models import Quote


@dataclass(frozen=True)
class Billing:
    """What the buyer typed in the Purchase dialog."""

    name: str
    email: str
    company: str = ""
    address: Mapping[str, str] = field(default_factory=dict)  # Stripe's address fields
    signature_name: str = ""  # typed to accept the terms, when the quote asks for it

    def as_gateway(self) -> stripe_purchases.BillingDetails:
        return stripe_purchases.BillingDetails(
            name=self.name, email=self.email, company=self.company, address=self.address
        )

    def fingerprint(self) -> str:
        text = json.dumps([self.name, self.email, self.company, dict(self.address)], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def purchase_billing(purchase: Purchase) -> Billing:
    """The billing details stored on an attempt."""
    return Billing(
        name=purchase.billing_name,
        email=purchase.billing_email,
        company=purchase.billing_company,
        address=dict(purchase.billing_address),
        signature_name=purchase.signature_name,
    )


def billing_fields(
    quote: Quote, billing: Billing, ip: str | None, now: datetime
) -> dict[str, object]:
    """Purchase fields for the buyer's details, with the acceptance when the quote asks for it."""
    fields: dict[str, object] = {
        "billing_name": billing.name,
        "billing_email": billing.email,
        "billing_company": billing.company,
        "billing_address": dict(billing.address),
    }
    if quote.signature_required:
        fields.update(
            signature_name=billing.signature_name, signature_accepted_at=now, signature_ip=ip
        )
    return fields
