"""YAML's safe loading through libyaml where PyYAML was built with it (its wheels are).

A kubeconfig is read several times per context (its contexts, users, clusters, credentials): with five contexts
the pure-Python parser took a quarter of a second of the first screen, libyaml a few milliseconds. A text libyaml
refuses is read again by the pure parser, so that every problem keeps the wording and position it had."""

from __future__ import annotations

from typing import Any


def safe_load(text: str) -> Any:
    """The document in `text`, as `yaml.safe_load` gives it; its `YAMLError` for a text that is not YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # the safe loader, in C
        except yaml.YAMLError:
            pass  # worded by the pure parser below, as it always was
    return yaml.safe_load(text)
