"""What `watch` takes from a running lab when its kubeconfig is the lab's: kept apart from the lab's machinery so
that every `watch` (which asks) does not import it."""

from __future__ import annotations

import json
import os
from pathlib import Path

INGRESS = "ingress (--target)"
LOADTESTER = "loadtester (--loadtester)"


def watch_defaults(kubeconfig: str | os.PathLike[str]) -> dict[str, str]:
    """--prometheus, --target and --loadtester of the running lab whose kubeconfig this is (empty when it is none;
    no loadtester from a lab that ran none)."""
    path = Path(kubeconfig).expanduser()
    try:
        data = json.loads((path.parent / "lab.json").read_text())
        if Path(data["kubeconfig"]).resolve() != path.resolve():
            return {}
        found = {"prometheus": str(data["prometheus_url"]), "target": str(data["extras"][INGRESS])}
        if LOADTESTER in data["extras"]:
            found["loadtester"] = str(data["extras"][LOADTESTER])
        return found
    except (OSError, ValueError, KeyError, TypeError):
        return {}
