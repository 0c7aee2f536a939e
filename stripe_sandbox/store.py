"""In-memory state of the sandbox, scoped by account, with an atomic JSON snapshot.

Objects are stored as Stripe-shaped dicts. Keys starting with `_` are the
sandbox's own bookkeeping (owning account, card behaviour, …) and are never
rendered. Everything stays JSON-native so a snapshot is a plain dump.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from stripe_sandbox.clock import SandboxClock
from stripe_sandbox.errors import NotFoundError
from stripe_sandbox.faults import Fault

SNAPSHOT_VERSION = 1

StripeObject = dict[str, Any]
EventListener = Callable[[StripeObject], None]


class State:
    def __init__(self) -> None:
        self.objects: dict[str, StripeObject] = {}
        # (account, object type) → ids in creation order, for listing.
        self.index: dict[str, list[str]] = {}
        # API key → {"account": acct_…, "kind": "secret" | "publishable"}.
        self.keys: dict[str, dict[str, str]] = {}
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, dict[str, Any]] = {}
        # Faults on demand (see faults.py); never part of a snapshot.
        self.faults: list[Fault] = []
        self.platform_id = ""
        self.clock = SandboxClock()
        self.dirty = False
        self.listeners: list[EventListener] = []

    # -- objects ---------------------------------------------------------

    def add(self, obj: StripeObject, account: str) -> StripeObject:
        obj["_account"] = account
        self.objects[obj["id"]] = obj
        self.index.setdefault(_index_key(account, obj["object"]), []).append(obj["id"])
        self.dirty = True
        return obj

    def find(self, object_id: str) -> StripeObject | None:
        return self.objects.get(object_id)

    def get(
        self, object_id: str, account: str, object_name: str, param: str = "id"
    ) -> StripeObject:
        """The object if it exists on `account`; Stripe's 404 otherwise."""
        obj = self.objects.get(object_id)
        if obj is None or obj.get("_account") != account or obj.get("deleted"):
            raise NotFoundError(object_name, object_id, param)
        return obj

    def remove(self, object_id: str) -> None:
        self.objects.pop(object_id, None)
        self.dirty = True

    def all_of(self, account: str, object_type: str) -> Iterable[StripeObject]:
        """Objects of one type on one account, newest first."""
        for object_id in reversed(self.index.get(_index_key(account, object_type), [])):
            obj = self.objects.get(object_id)
            if obj is not None and not obj.get("deleted"):
                yield obj

    def every(self, object_type: str) -> Iterable[StripeObject]:
        """Objects of one type on every account (for the clock and the dashboard)."""
        suffix = f"|{object_type}"
        for key, ids in list(self.index.items()):
            if key.endswith(suffix):
                for object_id in list(ids):
                    obj = self.objects.get(object_id)
                    if obj is not None and not obj.get("deleted"):
                        yield obj

    def touch(self) -> None:
        self.dirty = True

    def now(self) -> int:
        return self.clock.now()

    # -- snapshot --------------------------------------------------------

    def to_snapshot(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "objects": self.objects,
            "index": self.index,
            "keys": self.keys,
            "oauth_codes": self.oauth_codes,
            "idempotency": self.idempotency,
            "deliveries": self.deliveries,
            "platform_id": self.platform_id,
            "clock_offset": self.clock.offset,
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> State:
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported snapshot version {data.get('version')!r}")
        state = cls()
        state.objects = data["objects"]
        state.index = data["index"]
        state.keys = data["keys"]
        state.oauth_codes = data["oauth_codes"]
        state.idempotency = data["idempotency"]
        state.deliveries = data["deliveries"]
        state.platform_id = data["platform_id"]
        state.clock = SandboxClock(int(data["clock_offset"]))
        return state


def _index_key(account: str, object_type: str) -> str:
    return f"{account}|{object_type}"


def write_snapshot(state: State, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the previous snapshot intact."""
    payload = json.dumps(state.to_snapshot(), separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as tmp:
            tmp.write(payload)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    state.dirty = False


def read_snapshot(path: Path) -> State | None:
    """The saved state, None if there is no file; ValueError if it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        return State.from_snapshot(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"snapshot {path} is not a sandbox snapshot: {exc}") from exc
