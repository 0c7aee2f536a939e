"""Products and prices (one-time and recurring, and inline `price_data`)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import InvalidRequestError
from stripe_sandbox.events import changed
from stripe_sandbox.ids import new_id
from stripe_sandbox.render import merge_metadata, paginate, present
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject

# Stripe caps a recurring interval at three years.
MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}


def create_product(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    now = ctx.now()
    product: StripeObject = {
        "id": params.get("id") or new_id("prod", 14),
        "object": "product",
        "active": params.get("active", True),
        "created": now,
        "default_price": None,
        "description": params.get("description"),
        "images": params.get("images", []),
        "livemode": False,
        "marketing_features": [],
        "metadata": merge_metadata({}, params.get("metadata", {})),
        "name": params["name"],
        "package_dimensions": None,
        "shippable": params.get("shippable"),
        "statement_descriptor": params.get("statement_descriptor"),
        "tax_code": params.get("tax_code"),
        "type": "service",
        "unit_label": params.get("unit_label"),
        "updated": now,
        "url": params.get("url"),
    }
    if ctx.state.find(product["id"]):
        raise InvalidRequestError(
            f"Product already exists with the id {product['id']}.",
            param="id",
            code="resource_already_exists",
        )
    ctx.add(product)
    ctx.emit("product.created", product)
    if default := params.get("default_price_data"):
        price = _new_price(ctx, {**default, "product": product["id"]}, active=True)
        product["default_price"] = price["id"]
    return product


def retrieve_product(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["id"], "product")


def update_product(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    product = ctx.get(ids["id"], "product")
    before = present(ctx.state, product)
    for key in ("active", "name", "description", "url", "unit_label", "statement_descriptor"):
        if key in params:
            product[key] = params[key] if params[key] != "" else None
    if "metadata" in params:
        product["metadata"] = merge_metadata(product["metadata"], params["metadata"])
    if "default_price" in params:
        if params["default_price"]:
            ctx.get(params["default_price"], "price", "default_price")
        product["default_price"] = params["default_price"] or None
    product["updated"] = ctx.now()
    ctx.state.touch()
    ctx.emit("product.updated", product, changed(before, present(ctx.state, product)))
    return product


def delete_product(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    product = ctx.get(ids["id"], "product")
    if any(p["product"] == product["id"] for p in ctx.state.all_of(ctx.account, "price")):
        raise InvalidRequestError(
            "This product cannot be deleted because it has one or more user-created prices.",
            param="id",
        )
    product["deleted"] = True
    ctx.emit("product.deleted", product)
    return {"id": product["id"], "object": "product", "deleted": True}


def list_products(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = ctx.state.all_of(ctx.account, "product")
    if "active" in params:
        items = (p for p in items if p["active"] == params["active"])
    return paginate(items, params, "/v1/products")


def _new_price(ctx: Ctx, data: dict[str, Any], *, active: bool, param: str = "") -> StripeObject:
    """A price from `/v1/prices` params or from inline `price_data`."""
    if "product" in data:
        product_id = ctx.get(data["product"], "product", f"{param}product" if param else "product")[
            "id"
        ]
    elif "product_data" in data:
        product_id = create_product(ctx, data["product_data"], {})["id"]
    else:
        raise InvalidRequestError(
            "Missing required param: product.", param=f"{param}product", code="parameter_missing"
        )
    amount = data.get("unit_amount")
    if amount is None and data.get("unit_amount_decimal") is not None:
        amount = int(float(data["unit_amount_decimal"]))
    if amount is None and "custom_unit_amount" not in data:
        raise InvalidRequestError(
            "Missing required param: unit_amount.",
            param=f"{param}unit_amount",
            code="parameter_missing",
        )
    recurring = data.get("recurring")
    if recurring is not None:
        recurring = _recurring(recurring, param)
    price: StripeObject = {
        "id": new_id("price"),
        "object": "price",
        "active": data.get("active", active),
        "billing_scheme": "per_unit",
        "created": ctx.now(),
        "currency": data["currency"].lower(),
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": data.get("lookup_key"),
        "metadata": merge_metadata({}, data.get("metadata", {})),
        "nickname": data.get("nickname"),
        "product": product_id,
        "recurring": recurring,
        "tax_behavior": data.get("tax_behavior", "unspecified"),
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": amount,
        "unit_amount_decimal": str(data.get("unit_amount_decimal", amount)),
    }
    ctx.add(price)
    ctx.emit("price.created", price)
    return price


def _recurring(recurring: dict[str, Any], param: str) -> dict[str, Any]:
    interval = recurring["interval"]
    count = recurring.get("interval_count", 1)
    if not 1 <= count <= MAX_INTERVAL_COUNT[interval]:
        raise InvalidRequestError(
            "The maximum billing interval is 3 years (e.g. 3 years, 36 months, 156 weeks, "
            "or 1095 days).",
            param=f"{param}recurring[interval_count]",
        )
    return {
        "interval": interval,
        "interval_count": count,
        "meter": None,
        "trial_period_days": recurring.get("trial_period_days"),
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def price_from_data(ctx: Ctx, data: dict[str, Any], param: str) -> StripeObject:
    """Inline `price_data` creates a hidden (inactive) price, as Stripe does."""
    return _new_price(ctx, data, active=False, param=param)


def create_price(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return _new_price(ctx, params, active=True)


def retrieve_price(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["price"], "price")


def update_price(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    price = ctx.get(ids["price"], "price")
    before = present(ctx.state, price)
    for key in ("active", "nickname", "lookup_key"):
        if key in params:
            price[key] = params[key] if params[key] != "" else None
    if "metadata" in params:
        price["metadata"] = merge_metadata(price["metadata"], params["metadata"])
    ctx.state.touch()
    ctx.emit("price.updated", price, changed(before, present(ctx.state, price)))
    return price


def list_prices(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = ctx.state.all_of(ctx.account, "price")
    for key in ("active", "product", "currency", "type"):
        if key in params:
            items = _filtered(items, key, params[key])
    return paginate(items, params, "/v1/prices")


def _filtered(items: Any, key: str, value: Any) -> Any:
    return (item for item in items if item.get(key) == value)


ROUTES = [
    Route("get", "/v1/products", "ProductListParams", list_products),
    Route("post", "/v1/products", "ProductCreateParams", create_product),
    Route("get", "/v1/products/{id}", "ProductRetrieveParams", retrieve_product),
    Route("post", "/v1/products/{id}", "ProductUpdateParams", update_product),
    Route("delete", "/v1/products/{id}", "ProductDeleteParams", delete_product),
    Route("get", "/v1/prices", "PriceListParams", list_prices),
    Route("post", "/v1/prices", "PriceCreateParams", create_price),
    Route("get", "/v1/prices/{price}", "PriceRetrieveParams", retrieve_price),
    Route("post", "/v1/prices/{price}", "PriceUpdateParams", update_price),
]
