"""Turning stored objects into API responses: hidden fields, lists, `expand[]`."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from stripe_sandbox.errors import InvalidRequestError
from stripe_sandbox.shapes import conform
from stripe_sandbox.store import State, StripeObject

Presenter = Callable[[State, StripeObject], StripeObject]
Includer = Callable[[State, StripeObject], Any]

# Object types whose rendering is composed from several stored objects.
PRESENTERS: dict[str, Presenter] = {}
# Fields Stripe only returns when expanded (e.g. invoice `confirmation_secret`).
INCLUDABLE: dict[str, dict[str, Includer]] = {}

MAX_EXPAND_DEPTH = 4


def public(obj: StripeObject) -> StripeObject:
    """A deep copy without the sandbox's `_` bookkeeping keys."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def present(state: State, obj: StripeObject) -> StripeObject:
    """The object as the API returns it, with every field Stripe's has (see shapes.py)."""
    if obj.get("object") == "list":
        return {**obj, "data": [present(state, item) for item in obj["data"]]}
    presenter = PRESENTERS.get(obj.get("object", ""))
    rendered = presenter(state, obj) if presenter else public(obj)
    return conform(rendered)


def list_object(state: State, items: Iterable[StripeObject], url: str) -> StripeObject:
    """A rendered list object (used inside other objects, not paginated)."""
    data = [present(state, item) for item in items]
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


def paginate(items: Iterable[StripeObject], params: dict[str, Any], url: str) -> StripeObject:
    """Stripe's cursor pagination over newest-first items."""
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise InvalidRequestError(
            "This value must be greater than or equal to 1 and less than or equal to 100.",
            param="limit",
        )
    ordered = list(items)
    ids = [item["id"] for item in ordered]
    if after := params.get("starting_after"):
        if after not in ids:
            raise InvalidRequestError(f"No such object: '{after}'", param="starting_after")
        ordered = ordered[ids.index(after) + 1 :]
        page, has_more = ordered[:limit], len(ordered) > limit
    elif before := params.get("ending_before"):
        if before not in ids:
            raise InvalidRequestError(f"No such object: '{before}'", param="ending_before")
        ordered = ordered[: ids.index(before)]
        page, has_more = ordered[-limit:], len(ordered) > limit
    else:
        page, has_more = ordered[:limit], len(ordered) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def expand(state: State, account: str, rendered: StripeObject, paths: list[str]) -> StripeObject:
    if not paths:
        return rendered  # present() has conformed it already
    tree: dict[str, Any] = {}
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH:
            raise InvalidRequestError(
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. "
                f"Property: {path}",
                param="expand",
            )
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    _apply(state, account, rendered, tree, "")
    return conform(rendered)


def _apply(
    state: State, account: str, out: StripeObject, tree: dict[str, Any], prefix: str
) -> None:
    for key, sub in tree.items():
        if out.get("object") == "list" and key == "data":
            for item in out["data"]:
                _apply(state, account, item, sub, f"{prefix}data.")
            continue
        includer = INCLUDABLE.get(out.get("object", ""), {}).get(key)
        if includer is not None:
            stored = state.find(out.get("id", ""))
            if stored is not None:
                out[key] = includer(state, stored)
        if key not in out:
            raise InvalidRequestError(
                f"This property cannot be expanded ({prefix}{key}).", param="expand"
            )
        value = out[key]
        if isinstance(value, str):
            target = state.find(value)
            if target is None or target.get("_account") not in (account, None):
                raise InvalidRequestError(
                    f"This property cannot be expanded ({prefix}{key}).", param="expand"
                )
            value = present(state, target)
            out[key] = value
        if sub and isinstance(value, dict):
            _apply(state, account, value, sub, f"{prefix}{key}.")


def merge_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    """Stripe's rules: `metadata=""` clears all, `metadata[k]=""` removes one key."""
    if update == "":
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
