"""Every returned object carries every field Stripe's does (`null` where not modelled).

The field names come from `shapes.json`, derived from Stripe's published
fixtures by `shapes_from_fixtures.py`. Renderers set what the sandbox models;
`conform` adds the rest as `null`, so the `stripe` library never raises
`AttributeError` on a field that real Stripe would have sent.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, TypeVar

T = TypeVar("T")


@cache
def table() -> dict[str, dict[str, Any]]:
    """Object type → {"fields": [...], "nested": {dotted path: [...]}}."""
    text = resources.files("stripe_sandbox").joinpath("shapes.json").read_text(encoding="utf-8")
    objects: dict[str, dict[str, Any]] = json.loads(text)["objects"]
    return objects


def conform(value: T) -> T:
    """Fill in missing fields of every Stripe object inside `value` (in place)."""
    if isinstance(value, list):
        for item in value:
            conform(item)
    elif isinstance(value, dict):
        for item in value.values():
            conform(item)
        kind = value.get("object")
        shape = table().get(kind) if isinstance(kind, str) else None
        if shape is not None and not value.get("deleted"):
            _fill(value, shape)
    return value


def _fill(obj: dict[str, Any], shape: dict[str, Any]) -> None:
    for name in shape["fields"]:
        obj.setdefault(name, None)
    # Parents come before their children in the sorted table.
    for path, fields in shape["nested"].items():
        node: Any = obj
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and "object" not in node:
            for name in fields:
                node.setdefault(name, None)
