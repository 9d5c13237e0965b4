"""Session affinity as Flagger's istio and gatewayapi routers write it (v1.44 istio.go, gateway_api.go).

While the canary has weight, the weighted rule's canary destination answers with a Set-Cookie, and a sticky rule in
front sends every request carrying that cookie to the canary. At weight 0 the cookie moves to
`previousSessionAffinityCookie` and the sticky rule expires it. The cookie values are written into the in-memory
Canary's status, which the next status write of the tick persists, as in Flagger.
"""

from __future__ import annotations

import copy
import hashlib
import string
from typing import Any

from tui.kube.parse import parse_interval

COOKIE_HEADER = "Cookie"
SET_COOKIE_HEADER = "Set-Cookie"
DEFAULT_MAX_AGE_S = 86_400


def build_cookie(affinity: dict[str, Any], cookie: str, max_age: int) -> str:
    """SessionAffinity.BuildCookie: `<name>=<value>; Max-Age=<s>` and the optional attributes in Flagger's order."""
    text = f"{cookie}; Max-Age={max_age}"
    if affinity.get("domain"):
        text += f"; Domain={affinity['domain']}"
    if affinity.get("httpOnly"):
        text += "; HttpOnly"
    if affinity.get("partitioned"):
        text += "; Partitioned"
    if affinity.get("path"):
        text += f"; Path={affinity['path']}"
    if affinity.get("sameSite"):
        text += f"; SameSite={affinity['sameSite']}"
    if affinity.get("secure"):
        text += "; Secure"
    return text


def _value(canary: dict[str, Any], salt: str) -> str:
    """Flagger draws 10 random letters; the simulation derives them from the revision so a run repeats."""
    status = canary.get("status") or {}
    seed = f"{canary['metadata']['namespace']}/{canary['metadata']['name']}/{status.get('lastAppliedSpec')}/{salt}"
    digest = hashlib.sha256(seed.encode()).digest()
    letters = string.ascii_letters
    return "".join(letters[b % len(letters)] for b in digest[:10])


def _cookie_regex(cookie: str) -> str:
    name, _, value = cookie.partition("=")
    return f".*{name}.*{value}.*"


def affinity_cookies(canary: dict[str, Any], canary_weight: int) -> tuple[str, str, str]:
    """(canary cookie, primary cookie, previous cookie) after SetRoutes, updating the in-memory status as Flagger."""
    affinity = canary["spec"]["analysis"]["sessionAffinity"]
    status = canary.setdefault("status", {})
    if canary_weight != 0:
        if not status.get("sessionAffinityCookie"):
            status["sessionAffinityCookie"] = f"{affinity['cookieName']}={_value(canary, 'canary')}"
        if not status.get("primarySessionAffinityCookie"):
            primary_name = affinity.get("primaryCookieName") or ""
            status["primarySessionAffinityCookie"] = f"{primary_name}={_value(canary, 'primary')}"
    else:
        if status.get("sessionAffinityCookie"):
            status["previousSessionAffinityCookie"] = status["sessionAffinityCookie"]
        status["sessionAffinityCookie"] = ""
    return (
        status.get("sessionAffinityCookie") or "",
        status.get("primarySessionAffinityCookie") or "",
        status.get("previousSessionAffinityCookie") or "",
    )


def _interval_s(canary: dict[str, Any]) -> int:
    return int(parse_interval(canary["spec"]["analysis"].get("interval")) or 0)


def istio_affinity_rules(
    canary: dict[str, Any], primary: str, canary_host: str, canary_weight: int, weighted: dict[str, Any]
) -> list[dict[str, Any]]:
    """getSessionAffinityRouteRules for a VirtualService: the sticky rule(s), then the weighted rule."""
    affinity = canary["spec"]["analysis"]["sessionAffinity"]
    cookie, primary_cookie, previous = affinity_cookies(canary, canary_weight)
    sticky = copy.deepcopy(weighted)
    if canary_weight != 0:
        for route in weighted["route"]:
            host = route["destination"]["host"]
            if host == canary_host:
                max_age = int(affinity.get("maxAge") or DEFAULT_MAX_AGE_S)
                value = build_cookie(affinity, cookie, max_age)
            elif host == primary and affinity.get("primaryCookieName"):
                value = build_cookie(affinity, primary_cookie, _interval_s(canary))
            else:
                continue
            route["headers"] = {"response": {"add": {SET_COOKIE_HEADER: value}}}
        sticky["match"] = [{"headers": {COOKIE_HEADER: {"regex": _cookie_regex(cookie)}}}]
        sticky["route"] = [
            {"destination": {"host": primary}, "weight": 0},
            {"destination": {"host": canary_host}, "weight": 100},
        ]
        if affinity.get("primaryCookieName"):
            sticky_primary = copy.deepcopy(sticky)
            sticky_primary["match"] = [{"headers": {COOKIE_HEADER: {"regex": _cookie_regex(primary_cookie)}}}]
            sticky_primary["route"] = [
                {"destination": {"host": primary}, "weight": 100},
                {"destination": {"host": canary_host}, "weight": 0},
            ]
            return [sticky, sticky_primary, weighted]
        return [sticky, weighted]
    if previous:
        sticky["match"] = [{"headers": {COOKIE_HEADER: {"regex": _cookie_regex(previous)}}}]
        sticky["headers"] = {"response": {"add": {SET_COOKIE_HEADER: f"{previous}; Max-Age=-1"}}}
    return [sticky, weighted]


def gateway_affinity_rules(
    canary: dict[str, Any], primary: str, canary_service: str, canary_weight: int, weighted: dict[str, Any]
) -> list[dict[str, Any]]:
    """getSessionAffinityRouteRules for an HTTPRoute: the sticky rule(s), then the weighted rule."""
    affinity = canary["spec"]["analysis"]["sessionAffinity"]
    cookie, primary_cookie, previous = affinity_cookies(canary, canary_weight)
    sticky = copy.deepcopy(weighted)

    def cookie_match(value: str) -> list[dict[str, Any]]:
        header = {"type": "RegularExpression", "name": COOKIE_HEADER, "value": _cookie_regex(value)}
        return [{"headers": [header]}]

    def set_cookie(value: str) -> dict[str, Any]:
        return {
            "type": "ResponseHeaderModifier",
            "responseHeaderModifier": {"add": [{"name": SET_COOKIE_HEADER, "value": value}]},
        }

    if canary_weight != 0:
        for ref in weighted["backendRefs"]:
            if ref["name"] == canary_service:
                max_age = int(affinity.get("maxAge") or DEFAULT_MAX_AGE_S)
                ref.setdefault("filters", []).append(set_cookie(build_cookie(affinity, cookie, max_age)))
            elif ref["name"] == primary and affinity.get("primaryCookieName"):
                value = build_cookie(affinity, primary_cookie, _interval_s(canary))
                ref.setdefault("filters", []).append(set_cookie(value))
        backends = copy.deepcopy(sticky["backendRefs"])
        for ref in backends:
            ref.pop("filters", None)
            ref["weight"] = 100 if ref["name"] == canary_service else 0
        sticky["matches"] = cookie_match(cookie)
        sticky["backendRefs"] = backends
        if affinity.get("primaryCookieName"):
            sticky_primary = copy.deepcopy(sticky)
            sticky_primary["matches"] = cookie_match(primary_cookie)
            for ref in sticky_primary["backendRefs"]:
                ref["weight"] = 100 if ref["name"] == primary else 0
            return [sticky, sticky_primary, weighted]
        return [sticky, weighted]
    if previous:
        sticky["matches"] = cookie_match(previous)
        sticky.setdefault("filters", []).append(set_cookie(f"{previous}; Max-Age=-1"))
    return [sticky, weighted]
