"""Item 6 and response shapes: the sandbox follows the installed `stripe` library.

- every route checks the same Params class the library's service uses for it;
- what the library encodes, the sandbox decodes back to the same values;
- every field the sandbox returns is one the library's resource class declares.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import stripe
from hypothesis import given
from hypothesis import strategies as st
from stripe._encode import _api_encode

from stripe_sandbox import formdata
from stripe_sandbox.api import ROUTES
from stripe_sandbox.params import validate
from stripe_sandbox.testing import SandboxThread
from stripe_sandbox.tests.test_subscriptions import _subscribe


def _library_routes() -> dict[tuple[str, str], str]:
    """(method, path) → Params class name, read from the library's service modules."""
    found: dict[tuple[str, str], str] = {}
    package = Path(stripe.__file__).parent
    for module in package.glob("_*_service.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            params = next((a for a in node.args.args if a.arg == "params"), None)
            if params is None or params.annotation is None:
                continue
            name = ast.unparse(params.annotation).replace("Optional[", "").strip("]'\"")
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "_request"
                    and len(call.args) >= 2
                ):
                    path = call.args[1]
                    if isinstance(path, ast.Call) and isinstance(path.func, ast.Attribute):
                        path = path.func.value
                    if isinstance(path, ast.Constant) and isinstance(call.args[0], ast.Constant):
                        found[(str(call.args[0].value), str(path.value))] = name
    return found


def test_every_route_uses_the_params_class_of_the_library_service() -> None:
    library = _library_routes()
    for route in ROUTES:
        assert library.get((route.method, route.path)) == route.params, route


PARAMS = st.fixed_dictionaries(
    {
        "customer": st.text(alphabet="abcXYZ019_", min_size=1, max_size=12),
        "items": st.lists(
            st.fixed_dictionaries(
                {"price": st.text(alphabet="abc01_", min_size=1, max_size=8)},
                optional={"quantity": st.integers(min_value=1, max_value=10_000)},
            ),
            min_size=1,
            max_size=20,
        ),
    },
    optional={
        "metadata": st.dictionaries(
            st.text(alphabet="abc_", min_size=1, max_size=6),
            st.text(alphabet="xyz &=[]é", min_size=1, max_size=10),
            min_size=1,
            max_size=4,
        ),
        "cancel_at_period_end": st.booleans(),
        "expand": st.lists(st.sampled_from(["latest_invoice", "customer"]), min_size=1, max_size=2),
    },
)


# Empty hashes and lists are not sent at all by the library, hence the min_size=1.
@given(PARAMS)
def test_library_encoding_round_trips_through_the_sandbox(params: dict[str, Any]) -> None:
    body = urlencode(list(_api_encode(params)))
    assert validate("SubscriptionCreateParams", formdata.decode(body)) == params


def _declared(cls: type) -> set[str]:
    fields: set[str] = set()
    for klass in inspect.getmro(cls):
        fields |= {k for k in getattr(klass, "__annotations__", {}) if not k.startswith("_")}
    return fields


def _assert_declared(obj: dict[str, Any], cls: type, where: str) -> None:
    unknown = set(obj) - _declared(cls) - {"OBJECT_NAME"}
    assert not unknown, f"{where} has fields the library does not know: {sorted(unknown)}"


def test_objects_only_have_fields_the_library_declares(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    sub = _subscribe(
        northwind, expand=["latest_invoice.payments", "latest_invoice.confirmation_secret"]
    )
    invoice = sub.latest_invoice
    assert isinstance(invoice, stripe.Invoice)
    assert invoice.confirmation_secret is not None and invoice.payments is not None
    assert invoice.parent is not None
    secret = invoice.confirmation_secret.client_secret
    intent = northwind.v1.payment_intents.confirm(
        secret.split("_secret_")[0], {"payment_method": "pm_card_visa"}
    )
    refund = northwind.v1.refunds.create({"payment_intent": intent.id, "amount": 100})
    charge = northwind.v1.charges.retrieve(str(intent.latest_charge))
    samples: list[tuple[Any, type]] = [
        (sub, stripe.Subscription),
        (sub["items"].data[0], stripe.SubscriptionItem),
        (invoice, stripe.Invoice),
        (invoice.lines.data[0], stripe.InvoiceLineItem),
        (invoice.payments.data[0], stripe.InvoicePayment),
        (invoice.parent, stripe.Invoice.Parent),
        (intent, stripe.PaymentIntent),
        (charge, stripe.Charge),
        (refund, stripe.Refund),
        (northwind.v1.customers.retrieve(str(sub.customer)), stripe.Customer),
        (northwind.v1.payment_methods.retrieve(str(intent.payment_method)), stripe.PaymentMethod),
        (northwind.v1.prices.list().data[0], stripe.Price),
        (northwind.v1.products.list().data[0], stripe.Product),
        (northwind.v1.accounts.retrieve_current(), stripe.Account),
        (northwind.v1.events.list().data[0], stripe.Event),
        (northwind.v1.setup_intents.create(), stripe.SetupIntent),
    ]
    for obj, cls in samples:
        _assert_declared(obj.to_dict(), cls, cls.__name__)
