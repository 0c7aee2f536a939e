"""Request parameter checking derived from the installed `stripe` library.

Every request is checked against the generated `*Params` TypedDicts that the
pinned `stripe` package ships (e.g. `stripe.params.CustomerCreateParams`), so
the sandbox accepts exactly what the library can send and rejects the rest the
way Stripe does (400 `invalid_request_error` with `param`). Form values are
also coerced to their declared types (integers, booleans, lists).
"""

from __future__ import annotations

import collections.abc
import decimal
import importlib
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from stripe_sandbox.errors import InvalidRequestError

_INT_RE = re.compile(r"^-?\d+$")
_FLOAT_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")


class Node:
    """One node of a parameter schema."""

    def coerce(self, value: Any, path: str) -> Any:
        raise NotImplementedError


@dataclass
class AnyNode(Node):
    def coerce(self, value: Any, path: str) -> Any:
        return value


@dataclass
class ScalarNode(Node):
    kind: str  # "str" | "int" | "bool" | "float" | "decimal"

    def coerce(self, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            raise InvalidRequestError(
                f"Invalid {self.kind} for {path}: expected a single value, got an object.",
                param=path,
            )
        if self.kind == "str":
            return value
        if self.kind == "int":
            if not _INT_RE.match(value):
                raise InvalidRequestError(
                    f"Invalid integer: {value}", param=path, code="parameter_invalid_integer"
                )
            return int(value)
        if self.kind == "bool":
            if value not in ("true", "false"):
                raise InvalidRequestError(f"Invalid boolean: {value}", param=path)
            return value == "true"
        if not _FLOAT_RE.match(value):
            raise InvalidRequestError(f"Invalid decimal: {value}", param=path)
        # Decimals stay strings: Stripe returns `*_decimal` fields as strings.
        return str(decimal.Decimal(value)) if self.kind == "decimal" else float(value)


@dataclass
class LiteralNode(Node):
    values: tuple[str, ...]

    def coerce(self, value: Any, path: str) -> Any:
        if isinstance(value, str) and value in self.values:
            return value
        shown = ", ".join(v for v in self.values if v) or "''"
        raise InvalidRequestError(
            f"Invalid {path}: must be one of {shown}", param=path, code="parameter_invalid"
        )


@dataclass
class ListNode(Node):
    item: Node

    def coerce(self, value: Any, path: str) -> Any:
        items: list[Any]
        if isinstance(value, list):
            items = value
        elif isinstance(value, dict) and all(k.isdigit() for k in value):
            items = [value[k] for k in sorted(value, key=int)]
        else:
            raise InvalidRequestError(f"Invalid array for {path}.", param=path)
        return [self.item.coerce(v, f"{path}[{i}]") for i, v in enumerate(items)]


@dataclass
class MapNode(Node):
    """Free-form hashes such as `metadata` (string keys, string values)."""

    def coerce(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise InvalidRequestError(f"Invalid hash for {path}.", param=path)
        for key, item in value.items():
            if not isinstance(item, str):
                raise InvalidRequestError(
                    f"Invalid value for {path}[{key}]: nested objects are not allowed.",
                    param=f"{path}[{key}]",
                )
        return dict(value)


@dataclass
class ObjectNode(Node):
    """A TypedDict; its fields are resolved lazily and cached."""

    cls: type
    skip: frozenset[str] = frozenset()
    _fields: dict[str, Node] | None = field(default=None, repr=False)

    @property
    def fields(self) -> dict[str, Node]:
        if self._fields is None:
            self._fields = _fields_of(self.cls, self.skip)
        return self._fields

    @property
    def required(self) -> frozenset[str]:
        keys: frozenset[str] = getattr(self.cls, "__required_keys__", frozenset())
        return keys - self.skip

    def coerce(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise InvalidRequestError(f"Invalid object for {path}.", param=path)
        return self.coerce_fields(value, path)

    def coerce_fields(
        self, value: dict[str, Any], path: str, extra: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = f"{path}[{key}]" if path else key
            if key in extra:
                out[key] = item
                continue
            node = self.fields.get(key)
            if node is None:
                raise InvalidRequestError(
                    f"Received unknown parameter: {sub}", param=sub, code="parameter_unknown"
                )
            out[key] = coerce_value(node, item, sub)
        for key in sorted(self.required):
            if key not in value:
                sub = f"{path}[{key}]" if path else key
                raise InvalidRequestError(
                    f"Missing required param: {sub}.", param=sub, code="parameter_missing"
                )
        return out


@dataclass
class UnionNode(Node):
    options: list[Node]
    allows_empty: bool

    def coerce(self, value: Any, path: str) -> Any:
        first_error: InvalidRequestError | None = None
        # Try the alternative matching the value's shape first, so the error
        # reported is the one a user would expect (e.g. an unknown sub-field).
        ordered = sorted(self.options, key=lambda n: _shape_rank(n, value))
        for node in ordered:
            try:
                return node.coerce(value, path)
            except InvalidRequestError as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise first_error


def _shape_rank(node: Node, value: Any) -> int:
    if isinstance(value, dict):
        if isinstance(node, ObjectNode | MapNode | ListNode):
            return 0
        return 1
    return 0 if isinstance(node, ScalarNode | LiteralNode) else 1


def coerce_value(node: Node, value: Any, path: str) -> Any:
    """Coerce one value, applying Stripe's rule on empty strings."""
    if value == "":
        if _allows_empty(node):
            return ""
        raise InvalidRequestError(
            f"You passed an empty string for '{path}'. We assume empty values are an attempt "
            f"to unset a parameter; however '{path}' cannot be unset. You should remove "
            f"'{path}' from your request or supply a non-empty value.",
            param=path,
            code="parameter_invalid_empty",
        )
    return node.coerce(value, path)


def _allows_empty(node: Node) -> bool:
    if isinstance(node, UnionNode):
        return node.allows_empty
    if isinstance(node, LiteralNode):
        return "" in node.values
    return isinstance(node, AnyNode)


_TYPING_NS: dict[str, Any] = {
    name: getattr(typing, name)
    for name in ("Any", "Dict", "List", "Literal", "Mapping", "Optional", "Union", "Tuple")
}
_TYPING_NS["NotRequired"] = typing.NotRequired
_TYPING_NS["Decimal"] = decimal.Decimal


def _namespace(cls: type) -> dict[str, Any]:
    module = sys.modules[cls.__module__]
    return {**_TYPING_NS, **vars(module)}


def _fields_of(cls: type, skip: frozenset[str]) -> dict[str, Node]:
    ns = _namespace(cls)
    return {
        name: convert(annotation, ns)
        for name, annotation in cls.__annotations__.items()
        if name not in skip
    }


def _is_typeddict(obj: Any) -> bool:
    return isinstance(obj, type) and hasattr(obj, "__required_keys__")


def convert(annotation: Any, ns: dict[str, Any]) -> Node:
    """Turn one TypedDict annotation into a schema node."""
    if isinstance(annotation, str):
        annotation = eval(annotation, ns)  # noqa: S307 - library-generated annotations
    if isinstance(annotation, typing.ForwardRef):
        return convert(annotation.__forward_arg__, ns)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.NotRequired, typing.Required):
        return convert(args[0], ns)
    if origin in (typing.Union, types.UnionType):
        return _union(args, ns)
    if origin is typing.Literal:
        return LiteralNode(tuple(str(a) for a in args))
    if origin is list:
        return ListNode(convert(args[0], ns))
    if origin in (dict, collections.abc.Mapping) or _is_untyped_object(origin):
        return MapNode()
    if _is_untyped_object(annotation):
        return MapNode()
    if _is_typeddict(annotation):
        return _object_node(annotation)
    scalars = {str: "str", int: "int", bool: "bool", float: "float", decimal.Decimal: "decimal"}
    if annotation in scalars:
        return ScalarNode(scalars[annotation])
    return AnyNode()


def _is_untyped_object(obj: Any) -> bool:
    return getattr(obj, "__name__", "") == "UntypedStripeObject"


def _union(args: tuple[Any, ...], ns: dict[str, Any]) -> Node:
    nodes = [convert(a, ns) for a in args if a is not type(None)]
    literals = [n for n in nodes if isinstance(n, LiteralNode)]
    # `Literal[...] | str` is the library's forward-compatibility escape hatch;
    # the API itself only accepts the listed values, so drop the bare `str`.
    if any(v for lit in literals for v in lit.values):
        nodes = [n for n in nodes if not (isinstance(n, ScalarNode) and n.kind == "str")]
    allows_empty = any("" in lit.values for lit in literals)
    merged: list[Node] = []
    values: list[str] = []
    for node in nodes:
        if isinstance(node, LiteralNode):
            values.extend(node.values)
        else:
            merged.append(node)
    if values:
        merged.insert(0, LiteralNode(tuple(values)))
    if len(merged) == 1:
        return merged[0]
    return UnionNode(merged, allows_empty)


@cache
def _object_node(cls: type) -> ObjectNode:
    return ObjectNode(cls, _request_option_keys(cls))


def _request_option_keys(cls: type) -> frozenset[str]:
    from stripe._request_options import RequestOptions

    option_keys = frozenset(RequestOptions.__annotations__)
    # Top-level *Params inherit the client-side RequestOptions (api_key, …),
    # which are never sent as parameters.
    return option_keys if option_keys <= set(cls.__annotations__) else frozenset()


@cache
def params_schema(class_name: str) -> ObjectNode:
    """The schema of a top-level `stripe.params.<class_name>`."""
    module = importlib.import_module("stripe.params")
    cls = getattr(module, class_name)
    return _object_node(cls)


def validate(
    class_name: str, raw: dict[str, Any], extra: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Check and coerce decoded form parameters against a library Params class.

    `extra` names parameters accepted in addition (e.g. `client_secret`, which
    Stripe.js sends with a publishable key but the server library never does).
    """
    return params_schema(class_name).coerce_fields(raw, "", extra)
