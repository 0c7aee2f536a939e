"""Derive `shapes.json` (the field names of each object type) from Stripe's fixtures.

Stripe publishes an example of every API object in the public `stripe/openapi`
repository, file `openapi/fixtures3.json`. The sandbox keeps only the names of
the fields, for the object types it produces, so that every object it returns
carries every field Stripe's carry (`null` where the sandbox does not model it).

Regenerate after updating the pinned `stripe` library:

    git clone --depth 1 https://github.com/stripe/openapi /tmp/stripe-openapi
    .venv/bin/python -m stripe_sandbox.shapes_from_fixtures \\
        /tmp/stripe-openapi/openapi/fixtures3.json --commit "$(git -C /tmp/stripe-openapi \\
        rev-parse HEAD)"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

SHAPES_PATH = Path(__file__).with_name("shapes.json")

# The object types the sandbox returns.
OBJECT_TYPES = (
    "account",
    "application",
    "charge",
    "customer",
    "event",
    "invoice",
    "invoice_payment",
    "invoiceitem",
    "line_item",
    "payment_intent",
    "payment_method",
    "plan",
    "price",
    "product",
    "refund",
    "setup_intent",
    "subscription",
    "subscription_item",
    "webhook_endpoint",
)
# Sub-objects are followed this deep (e.g. `billing_details.address` is depth 2).
MAX_DEPTH = 3
# Free-form maps whose keys are the user's, not Stripe's.
FREE_FORM = frozenset({"metadata", "fraud_details"})
# Sub-objects whose fields depend on something else (an event's object).
OPAQUE = frozenset({"event.data"})
# Fields the fixtures still show but the pinned API version removed (the pinned
# library's classes no longer declare them): an invoice's subscription moved to
# `parent.subscription_details.subscription` in 2025-03-31.basil.
REMOVED = {"invoice": ("subscription",)}


def nested_shapes(value: dict[str, Any], prefix: str, depth: int) -> dict[str, list[str]]:
    """Dotted path of each embedded sub-object → its sorted field names."""
    found: dict[str, list[str]] = {}
    for key, sub in value.items():
        path = f"{prefix}{key}"
        if key in FREE_FORM or not isinstance(sub, dict) or not sub or "object" in sub:
            continue
        found[path] = sorted(sub)
        if depth < MAX_DEPTH:
            found.update(nested_shapes(sub, f"{path}.", depth + 1))
    return found


def derive(fixtures: dict[str, Any]) -> dict[str, Any]:
    resources = fixtures["resources"]
    objects: dict[str, Any] = {}
    for name in OBJECT_TYPES:
        example = resources[name]
        nested = {
            path: fields
            for path, fields in nested_shapes(example, "", 1).items()
            if not any(f"{name}.{path}".startswith(opaque) for opaque in OPAQUE)
        }
        removed = REMOVED.get(name, ())
        objects[name] = {
            "fields": sorted(set(example) - set(removed)),
            "nested": dict(sorted(nested.items())),
        }
        if removed:
            objects[name]["removed"] = sorted(removed)
    return objects


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixtures", type=Path, help="path to openapi/fixtures3.json")
    parser.add_argument("--commit", default="", help="the stripe/openapi commit it came from")
    parser.add_argument("--output", type=Path, default=SHAPES_PATH)
    args = parser.parse_args(argv)
    fixtures = json.loads(args.fixtures.read_text(encoding="utf-8"))
    table = {
        "_comment": (
            "Field names of each object the sandbox returns, derived from Stripe's published "
            "fixtures (github.com/stripe/openapi, openapi/fixtures3.json). Regenerate with "
            "`python -m stripe_sandbox.shapes_from_fixtures PATH/fixtures3.json --commit SHA`; "
            "do not edit by hand."
        ),
        "source": {
            "repository": "https://github.com/stripe/openapi",
            "path": "openapi/fixtures3.json",
            "commit": args.commit,
        },
        "objects": derive(fixtures),
    }
    args.output.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
