"""Names of the objects Flagger derives from a canary's target and apex service. Flagger names them; one place
here spells them, so that the simulation, the cluster source and the screens look for the same objects."""

from __future__ import annotations

PRIMARY_SUFFIX = "-primary"
CANARY_SUFFIX = "-canary"


def primary_name(target: str) -> str:
    """The primary copy of a target Deployment Flagger creates (`examiner` -> `examiner-primary`); Flagger also
    names the primary Service after the apex service this way."""
    return f"{target}{PRIMARY_SUFFIX}"


def canary_service(apex: str) -> str:
    """The Service that selects the canary's pods (`examiner` -> `examiner-canary`)."""
    return f"{apex}{CANARY_SUFFIX}"


def target_of(deployment: str) -> str:
    """The target a Deployment belongs to: the target itself, or the one whose primary it is."""
    return deployment[: -len(PRIMARY_SUFFIX)] if deployment.endswith(PRIMARY_SUFFIX) else deployment
