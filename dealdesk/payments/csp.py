"""Stripe's origins in the Content-Security-Policy, only on the pages that need them.

settings.CONTENT_SECURITY_POLICY lets in our own origin only. These view decorators add
Stripe's origins to one view's responses, read from the Stripe settings on every request
(tests point Stripe at a sandbox on a free port).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast
from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpResponseBase

_P = ParamSpec("_P")
_R = TypeVar("_R", bound=HttpResponseBase)
Sources = dict[str, list[str]]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stripe_js_sources() -> Sources:
    """Stripe.js: its script, its frames (card fields, 3-D Secure) and the API it calls."""
    scripts = [origin(settings.STRIPE_JS_URL)]
    frames = list(scripts)
    if scripts == ["https://js.stripe.com"]:
        # Stripe's documented policy for Stripe.js names these as well.
        scripts.append("https://*.js.stripe.com")
        frames += ["https://*.js.stripe.com", "https://hooks.stripe.com"]
    return {
        "script-src": scripts,
        "frame-src": frames,
        "connect-src": [origin(settings.STRIPE_API_BASE)],
    }


def stripe_connect_sources() -> Sources:
    """Connect with Stripe posts to us and we redirect to Stripe's OAuth page; browsers
    check form-action on that redirect too."""
    return {"form-action": [origin(settings.STRIPE_CONNECT_BASE)]}


def _allowing(sources: Callable[[], Sources]) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    def decorator(view: Callable[_P, _R]) -> Callable[_P, _R]:
        @wraps(view)
        def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            # django-csp types its decorators for views that take the request alone.
            allowed: Callable[..., HttpResponseBase] = csp_update(sources())(cast(Any, view))
            return cast(_R, allowed(*args, **kwargs))

        return wrapped

    return decorator


allow_stripe_js = _allowing(stripe_js_sources)
allow_stripe_connect = _allowing(stripe_connect_sources)
