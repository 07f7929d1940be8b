"""The access rule each route declares, read by the authorization-matrix test.

The rule does not enforce anything itself: the services do (they take the actor and check
``POLICY``). It states which check a route leads to, so that a test can walk the route table and
prove every route answers as its rule says for every role and for either organization.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from callpact.governance.organization.permissions import Action

F = TypeVar("F", bound=Callable[..., Any])
RULE_ATTRIBUTE = "__callpact_rule__"


@dataclass(frozen=True, slots=True)
class Rule:
    """``public``: anyone; ``signed_in``: any authenticated user; ``contract``: a party to the
    path's contract holding a role ``action`` allows (others get 404, never 403)."""

    kind: Literal["public", "signed_in", "contract"]
    action: Action | None = None


PUBLIC = Rule("public")
SIGNED_IN = Rule("signed_in")


def on_contract(action: Action) -> Rule:
    return Rule("contract", action)


def rule(declared: Rule) -> Callable[[F], F]:
    def mark(endpoint: F) -> F:
        setattr(endpoint, RULE_ATTRIBUTE, declared)
        return endpoint

    return mark


def rule_of(endpoint: Any) -> Rule | None:
    found = getattr(endpoint, RULE_ATTRIBUTE, None)
    return found if isinstance(found, Rule) else None


@dataclass(frozen=True, slots=True)
class RouteEntry:
    method: str
    path: str
    endpoint: Any


def route_table(app: Any) -> list[RouteEntry]:
    """Every (method, path) the app answers, with its endpoint, routers flattened; the static
    mount and the OpenAPI document appear with no endpoint rule (they are public by nature)."""
    entries: list[RouteEntry] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            original = getattr(route, "original_router", None)
            if original is not None:
                walk(list(original.routes))
            elif hasattr(route, "methods") and route.methods:
                for method in sorted(route.methods - {"HEAD"}):
                    entries.append(RouteEntry(method, route.path, route.endpoint))
            elif hasattr(route, "path"):
                entries.append(RouteEntry("GET", route.path + "/{path}", None))

    walk(list(app.routes))
    return entries
