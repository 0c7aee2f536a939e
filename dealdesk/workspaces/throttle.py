"""Throttling: how many attempts a client or an account gets in a window.

Every limit is named in ``settings.RATELIMITS`` with a django-ratelimit rate such as
``"10/15m"`` (10 per fixed 15-minute window). Counters live in the shared "ratelimit"
cache (Redis), so every worker on every host counts together. Views call ``record``
to count an attempt, or ``peek`` to ask whether one more would be allowed, and answer
a refusal with the form re-rendered, its message, and ``refuse`` (HTTP 429); a view that
throttles a form's submissions does the first half with ``record_for_form``.

Keys are the client's address (``IP``, through django-ratelimit, which honours
``RATELIMIT_IP_META_KEY`` behind a proxy) or a value of the caller's, such as a
normalized email address; django-ratelimit stores only a hash of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage  # type: ignore[import-untyped]

IP = "ip"


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may go ahead, and when its window ends."""

    refused: bool
    seconds_left: int

    @property
    def minutes_left(self) -> int:
        return minutes_to_wait(self.seconds_left)

    @property
    def message(self) -> str:
        minutes = self.minutes_left
        return ngettext(
            "Too many attempts. Try again in %(minutes)d minute.",
            "Too many attempts. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


def minutes_to_wait(seconds: int) -> int:
    """Whole minutes until a window ends, rounded up and never less than one."""
    return max(1, math.ceil(seconds / 60))


def record(request: HttpRequest, *, limit: str, key: str = IP) -> Verdict:
    """Count one attempt; refused once the attempts in this window exceed the limit."""
    usage = _usage(request, limit=limit, key=key, increment=True)
    return Verdict(refused=bool(usage["should_limit"]), seconds_left=usage["time_left"])


def peek(request: HttpRequest, *, limit: str, key: str = IP) -> Verdict:
    """Without counting: refused when the limit is already used up in this window."""
    usage = _usage(request, limit=limit, key=key, increment=False)
    refused = bool(usage["should_limit"]) or usage["count"] >= usage["limit"]
    return Verdict(refused=refused, seconds_left=usage["time_left"])


def record_for_form(
    request: HttpRequest, form: forms.BaseForm, *, limit: str, key: str = IP
) -> Verdict:
    """Count one submission of ``form``; when refused, the form carries the message as a
    non-field error, ready to be re-rendered and answered with ``refuse``."""
    verdict = record(request, limit=limit, key=key)
    if verdict.refused:
        form.add_error(None, verdict.message)
    return verdict


_Response = TypeVar("_Response", bound=HttpResponse)


def refuse(response: _Response, verdict: Verdict) -> _Response:
    """Mark a re-rendered page as a throttling refusal: 429 with Retry-After."""
    response.status_code = 429
    response["Retry-After"] = str(max(1, verdict.seconds_left))
    return response


def normalized_email(value: str) -> str:
    """One counter per address, however it is typed."""
    return value.strip().lower()


def _usage(request: HttpRequest, *, limit: str, key: str, increment: bool) -> dict[str, int]:
    rate = settings.RATELIMITS[limit]
    if key == IP:
        usage_key: object = IP
    else:
        usage_key = lambda group, request: key  # noqa: E731 - django-ratelimit's key callable
    usage: dict[str, int] = get_usage(
        request, group=f"dealdesk.{limit}", key=usage_key, rate=rate, increment=increment
    )
    return usage
