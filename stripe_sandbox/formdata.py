"""Decoding of Stripe's bracketed form encoding (`items[0][price]=…`, `expand[]=…`)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from stripe_sandbox.errors import InvalidRequestError

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART_RE = re.compile(r"\[([^\[\]]*)\]")


def decode(text: str) -> dict[str, Any]:
    """Decode a query string or form body into nested dicts.

    Arrays stay dicts keyed by their index ("0", "1", …) until the parameter
    schema says the value is a list; `a[]=x` appends with the next index.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY_RE.match(key)
        if not match:
            raise InvalidRequestError(f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *_PART_RE.findall(match.group(2))]
        node = root
        for depth, part in enumerate(parts):
            if part == "":
                part = str(len(node))
            last = depth == len(parts) - 1
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return root


def fingerprint(params: dict[str, Any]) -> str:
    """A stable text form of decoded parameters, to compare idempotent retries."""
    return repr(_sorted(params))


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, _sorted(value[k])) for k in sorted(value)]
    return value
