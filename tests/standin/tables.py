"""Server-side Tables (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), as kubectl and k9s ask for them.

Columns are the resource's printer columns (a CRD's additionalPrinterColumns; Age for a type that declares none)
after Name, evaluated the way the API server evaluates a CRD's columns: a `string` column gets the value printed
as text, `integer`, `number` and `boolean` the JSON value, `date` the age of the timestamp (`5m`, `3h20m`);
a path that finds nothing gives null. Built-in kinds get the same generic columns, not kube-apiserver's own
printers. Rows carry the object as PartialObjectMetadata (includeObject=Metadata, the default), whole (Object) or
not at all (None). In a watch only the first event's Table carries the column definitions, as upstream.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.standin.resources import PrinterColumn, ResourceType

INCLUDE_CHOICES = ("None", "Metadata", "Object")
NAME_COLUMN = {
    "name": "Name",
    "type": "string",
    "format": "name",
    "description": "Name must be unique within a namespace.",
    "priority": 0,
}


class TableOptionError(ValueError):
    pass


@dataclass(frozen=True)
class TableRequest:
    include: str = "Metadata"


def requested(accept: str | None, include_object: str | None) -> TableRequest | None:
    """A TableRequest when the Accept header's media ranges ask for a meta.k8s.io Table (v1 or v1beta1), else None."""
    for media_range in (accept or "").split(","):
        kind, *params = (part.strip() for part in media_range.split(";"))
        values = dict(p.partition("=")[::2] for p in params)
        if kind == "application/json" and values.get("as") == "Table" and values.get("g") == "meta.k8s.io":
            include = include_object or "Metadata"
            if include not in INCLUDE_CHOICES:
                raise TableOptionError(
                    f"includeObject: Unsupported value: {include!r}: supported values: {', '.join(INCLUDE_CHOICES)}"
                )
            return TableRequest(include)
    return None


def _lookup(obj: Any, path: str) -> Any:
    value = obj
    for key in (k for k in path.split(".") if k):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def human_age(seconds: float) -> str:
    """apimachinery's duration.HumanDuration: precise when young, coarser with age."""
    if seconds < -1:
        return "<invalid>"
    s = max(0, int(seconds))
    m, h, d = s // 60, s // 3600, s // 86400
    if s < 120:
        return f"{s}s"
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 192:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    if d < 730:
        return f"{d}d"
    return f"{d // 365}y{d % 365}d" if d < 2920 and d % 365 else f"{d // 365}y"


def _age(value: Any, now: datetime) -> Any:
    try:
        then = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return value
    return human_age((now - then).total_seconds())


def cell(column: PrinterColumn, obj: dict, now: datetime) -> Any:
    value = _lookup(obj, column.json_path)
    if value is None:
        return None
    if column.type == "date":
        return _age(value, now)
    if column.type == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict | list):
            return json.dumps(value, separators=(",", ":"))
        return str(value)
    return value


def column_definitions(rt: ResourceType) -> list[dict]:
    return [NAME_COLUMN] + [
        {"name": c.name, "type": c.type, "format": "", "description": c.json_path, "priority": c.priority}
        for c in rt.columns
    ]


def _row_object(rt: ResourceType, obj: dict, api_version: str, include: str) -> dict | None:
    if include == "None":
        return None
    if include == "Object":
        return {**obj, "kind": rt.kind, "apiVersion": api_version}
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def table(
    rt: ResourceType,
    items: list[dict],
    api_version: str,
    request: TableRequest,
    metadata: dict,
    now: datetime,
    *,
    with_columns: bool = True,
) -> dict:
    rows = []
    for obj in items:
        row: dict = {"cells": [obj.get("metadata", {}).get("name")] + [cell(c, obj, now) for c in rt.columns]}
        shown = _row_object(rt, obj, api_version, request.include)
        if shown is not None:
            row["object"] = shown
        rows.append(row)
    out: dict = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}
    if with_columns:
        out["columnDefinitions"] = column_definitions(rt)
    out["rows"] = rows
    return out
