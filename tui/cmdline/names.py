"""`NAMESPACE/NAME` and `NAME` as the user gives a Canary, checked against Kubernetes' own name rules.

A namespace is a DNS label (RFC 1123: at most 63 lowercase letters, digits and '-', a letter or digit at each
end); a Canary, like any custom resource, is named by a DNS subdomain (such labels joined by '.', at most 253).
"""

from __future__ import annotations

import re

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_LABEL = re.compile(_LABEL)
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
MAX_LABEL = 63
MAX_SUBDOMAIN = 253


class CanaryRefError(ValueError):
    """A Canary reference that cannot name one, worded as one line."""


def is_namespace(text: str) -> bool:
    return len(text) <= MAX_LABEL and _DNS_LABEL.fullmatch(text) is not None


def is_object_name(text: str) -> bool:
    return len(text) <= MAX_SUBDOMAIN and _DNS_SUBDOMAIN.fullmatch(text) is not None


def parse_canary_ref(value: object, what: str = "CANARY", *, need_namespace: bool = False) -> tuple[str | None, str]:
    """(namespace or None, name) from `NAMESPACE/NAME`, or from `NAME` unless need_namespace."""
    shape = "NAMESPACE/NAME" if need_namespace else "NAME or NAMESPACE/NAME"
    if not isinstance(value, str):
        raise CanaryRefError(f"{what}: expected {shape}, got {value!r}")
    namespace, slash, name = value.rpartition("/")
    if not name or (slash and not namespace) or "/" in namespace or (need_namespace and not slash):
        raise CanaryRefError(f"{what}: expected {shape}, got {value!r}")
    if slash and not is_namespace(namespace):
        raise CanaryRefError(
            f"{what}: {namespace!r} is not a namespace name (lowercase letters, digits and '-', at most {MAX_LABEL})"
        )
    if not is_object_name(name):
        raise CanaryRefError(
            f"{what}: {name!r} is not a Canary name (lowercase letters, digits, '-' and '.', at most {MAX_SUBDOMAIN})"
        )
    return (namespace if slash else None), name


def resolve_namespace(text: str, ref_namespace: str | None, flag_namespace: str | None) -> str | None:
    """The namespace a reference and -n agree on (None when neither gives one); a conflict is refused."""
    if ref_namespace and flag_namespace and ref_namespace != flag_namespace:
        raise CanaryRefError(f"CANARY {text!r} names namespace {ref_namespace!r} but -n says {flag_namespace!r}")
    return ref_namespace or flag_namespace


def split_context_ref(value: str) -> tuple[str | None, str]:
    """`CONTEXT/NAMESPACE/NAME` as (context, `NAMESPACE/NAME`); anything with fewer parts as (None, value). A
    context may itself hold '/' (EKS names contexts by ARN, `arn:…:cluster/prod`): the last two parts are the
    namespace and the name, the rest is the context."""
    if value.count("/") < 2:
        return None, value
    context, namespace, name = value.rsplit("/", 2)
    if not context:
        raise CanaryRefError(f"CANARY: expected NAME, NAMESPACE/NAME or CONTEXT/NAMESPACE/NAME, got {value!r}")
    return context, f"{namespace}/{name}"


def resolve_context(text: str, ref_context: str | None, flag_context: str | None) -> str | None:
    """The context a reference and --context agree on (None: neither gives one, the kubeconfig's current one)."""
    if ref_context and flag_context and ref_context != flag_context:
        raise CanaryRefError(f"CANARY {text!r} names context {ref_context!r} but --context says {flag_context!r}")
    return ref_context or flag_context
