"""Events (read) and webhook endpoints (CRUD)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.config import API_VERSION
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import InvalidRequestError
from stripe_sandbox.ids import new_id, random_token
from stripe_sandbox.render import merge_metadata, paginate
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject


def retrieve_event(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["id"], "event", "id")


# Stripe lists the events of the last 30 days only.
EVENT_RETENTION_SECONDS = 30 * 24 * 3600


def list_events(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    oldest = ctx.now() - EVENT_RETENTION_SECONDS
    items = [e for e in ctx.state.all_of(ctx.account, "event") if e["created"] >= oldest]
    if "delivery_success" in params:
        undelivered = _undelivered_events(ctx)
        wanted = bool(params["delivery_success"])
        items = [e for e in items if (e["id"] not in undelivered) == wanted]
    if event_type := params.get("type"):
        if event_type.endswith("*"):
            items = [e for e in items if e["type"].startswith(event_type[:-1])]
        else:
            items = [e for e in items if e["type"] == event_type]
    if types := params.get("types"):
        items = [e for e in items if e["type"] in types]
    created = params.get("created")
    if isinstance(created, int):
        items = [e for e in items if e["created"] == created]
    elif isinstance(created, dict):
        bounds = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
        for op, compare in bounds.items():
            if op in created:
                items = [e for e in items if compare(e["created"], created[op])]
    return paginate(items, params, "/v1/events")


def _undelivered_events(ctx: Ctx) -> set[str]:
    """Events with a webhook delivery that has not succeeded (yet, or ever).

    As on Stripe, ``delivery_success=false`` lists an event while any of its deliveries
    is still pending or has failed for good; it leaves the list once they all succeeded.
    An event no endpoint was sent counts as delivered.
    """
    return {
        delivery["event"]
        for delivery in ctx.state.deliveries.values()
        if delivery["status"] != "succeeded"
    }


def new_endpoint(
    ctx: Ctx,
    url: str,
    enabled_events: list[str],
    *,
    connect: bool,
    secret: str | None = None,
    listen_all: bool = False,
) -> StripeObject:
    if not url.startswith(("http://", "https://")):
        raise InvalidRequestError("Invalid URL: URL must be publicly accessible.", param="url")
    endpoint: StripeObject = {
        "id": new_id("we"),
        "object": "webhook_endpoint",
        "api_version": API_VERSION,
        "application": None,
        "created": ctx.now(),
        "description": None,
        "enabled_events": enabled_events,
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": url,
        "_secret": secret or f"whsec_{random_token(32)}",
        "_connect": connect,
        # Like `stripe listen`, a CLI-registered endpoint hears every account.
        "_listen_all": listen_all,
    }
    return ctx.add(endpoint)


def create_endpoint(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    endpoint = new_endpoint(
        ctx, params["url"], params["enabled_events"], connect=params.get("connect", False)
    )
    endpoint["description"] = params.get("description")
    endpoint["metadata"] = merge_metadata({}, params.get("metadata", {}))
    if params.get("api_version"):
        endpoint["api_version"] = params["api_version"]
    # The secret is only ever shown in the creation response, as on Stripe.
    return {**endpoint, "secret": endpoint["_secret"]}


def retrieve_endpoint(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["webhook_endpoint"], "webhook_endpoint", "webhook_endpoint")


def update_endpoint(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    endpoint = retrieve_endpoint(ctx, params, ids)
    for key in ("url", "enabled_events", "description"):
        if key in params:
            endpoint[key] = params[key] or None
    if "disabled" in params:
        endpoint["status"] = "disabled" if params["disabled"] else "enabled"
    if "metadata" in params:
        endpoint["metadata"] = merge_metadata(endpoint["metadata"], params["metadata"])
    ctx.state.touch()
    return endpoint


def delete_endpoint(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    endpoint = retrieve_endpoint(ctx, params, ids)
    ctx.state.remove(endpoint["id"])
    return {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}


def list_endpoints(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return paginate(
        ctx.state.all_of(ctx.account, "webhook_endpoint"), params, "/v1/webhook_endpoints"
    )


ROUTES = [
    Route("get", "/v1/events", "EventListParams", list_events),
    Route("get", "/v1/events/{id}", "EventRetrieveParams", retrieve_event),
    Route("get", "/v1/webhook_endpoints", "WebhookEndpointListParams", list_endpoints),
    Route("post", "/v1/webhook_endpoints", "WebhookEndpointCreateParams", create_endpoint),
    Route(
        "get",
        "/v1/webhook_endpoints/{webhook_endpoint}",
        "WebhookEndpointRetrieveParams",
        retrieve_endpoint,
    ),
    Route(
        "post",
        "/v1/webhook_endpoints/{webhook_endpoint}",
        "WebhookEndpointUpdateParams",
        update_endpoint,
    ),
    Route(
        "delete",
        "/v1/webhook_endpoints/{webhook_endpoint}",
        "WebhookEndpointDeleteParams",
        delete_endpoint,
    ),
]
