"""What one benchmark reports: a headline against its budget, details, and how to reproduce it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    name: str
    title: str
    measured: str
    budget: str
    passed: bool
    command: str
    details: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    quick: bool = False
    load: str = ""
    seconds: float = 0.0
    at: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        return cls(**data)
