"""Ordering of priced lines (a deal's or a quote's). The caller holds the parent's lock."""

from __future__ import annotations

from typing import Literal, TypeVar

from django.db import models

from dealdesk.catalog.models import PricedLine

L = TypeVar("L", bound=PricedLine)


def move_line(*, line: L, siblings: models.QuerySet[L], direction: Literal["up", "down"]) -> None:
    """Swap a line with its neighbour; positions are renumbered 0..n-1 on the way."""
    lines = list(siblings.order_by("position", "pk"))
    index = next(i for i, item in enumerate(lines) if item.pk == line.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(lines):
        lines[index], lines[other] = lines[other], lines[index]
    changed = []
    for position, item in enumerate(lines):
        if item.position != position:
            item.position = position
            changed.append(item)
    siblings.bulk_update(changed, ["position"])
