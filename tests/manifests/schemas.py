"""JSON schemas for kubeconform, generated from the Kubernetes OpenAPI v3 spec and from CRDs.

One file per (group, kind, version) at <dir>/<group>/<kind>_<version>.json (the core group is written as "v1",
which is what kubeconform's {{ .Group }} gives for apiVersion v1). Each file is standalone: the definitions it
references are copied into its `definitions`, so recursive types stay finite.

Schemas are strict, like the API server's strict field validation: an object schema that lists its properties
rejects unknown fields unless it says x-kubernetes-preserve-unknown-fields. CRD objects also get Kubernetes'
ObjectMeta schema for their metadata, which a CRD itself never describes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

# Bump when the generated output changes, so cached schema directories are rebuilt.
GENERATOR_VERSION = "1"

Schema = dict[str, Any]
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_REF_PREFIX = "#/components/schemas/"


def kubernetes_definitions(openapi_v3_dir: Path) -> dict[str, Schema]:
    """All component schemas of the Kubernetes OpenAPI v3 documents (one document per group version)."""
    definitions: dict[str, Schema] = {}
    for document in sorted(openapi_v3_dir.glob("*.json")):
        components = json.loads(document.read_text()).get("components", {}).get("schemas", {})
        definitions.update(components)
    if OBJECT_META not in definitions:
        raise ValueError(f"{openapi_v3_dir} holds no Kubernetes OpenAPI v3 documents")
    return definitions


def _convert(node: Any) -> Any:
    """OpenAPI v3 (Kubernetes dialect) -> JSON schema, with strict objects."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: Schema = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith(_REF_PREFIX):
            out[key] = "#/definitions/" + value[len(_REF_PREFIX) :]
        elif key in ("properties", "patternProperties", "definitions"):
            out[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key.startswith("x-") or key in ("nullable", "description", "example", "externalDocs"):
            continue
        else:
            out[key] = _convert(value)

    if node.get("x-kubernetes-int-or-string"):
        for key in ("type", "format"):
            out.pop(key, None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    is_object = out.get("type") in ("object", ["object", "null"]) or "properties" in out
    if (
        is_object
        and "properties" in out
        and "additionalProperties" not in out
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            yield ref[len("#/definitions/") :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _with_definitions(root: Schema, converted: dict[str, Schema]) -> Schema:
    """Copy every definition reachable from root into root['definitions']."""
    needed: dict[str, Schema] = {}
    pending = list(_refs(root))
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        if name not in converted:
            raise KeyError(f"unresolved schema reference {name}")
        needed[name] = converted[name]
        pending.extend(_refs(converted[name]))
    if needed:
        root = dict(root)
        root["definitions"] = dict(sorted(needed.items()))
    return root


def _target(out_dir: Path, group: str, kind: str, version: str) -> Path:
    return out_dir / (group or "v1") / f"{kind.lower()}_{version}.json"


def write_kubernetes_schemas(definitions: dict[str, Schema], out_dir: Path) -> int:
    """One standalone schema per built-in kind; returns how many were written."""
    converted = {name: _convert(schema) for name, schema in definitions.items()}
    written = 0
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            # Kind "List" and the like are wrappers, not objects anyone applies.
            if name.endswith("List") or name.startswith("io.k8s.apimachinery"):
                continue
            root = dict(converted[name])
            props = dict(root.get("properties", {}))
            # apiVersion and kind must name exactly this schema's kind.
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            props["apiVersion"] = {"type": "string", "enum": [api_version]}
            props["kind"] = {"type": "string", "enum": [gvk["kind"]]}
            root["properties"] = props
            root["required"] = sorted({*root.get("required", []), "apiVersion", "kind"})
            path = _target(out_dir, gvk["group"], gvk["kind"], gvk["version"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_with_definitions(root, converted), sort_keys=True))
            written += 1
    return written


class _CRDLoader(yaml.SafeLoader):
    """YAML 1.1 reads a bare `=` as the "value" type; in CRD enums (relabel actions) it is just a string."""


_CRDLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def crd_documents(paths: Iterable[Path]) -> Iterator[Schema]:
    """CustomResourceDefinitions (apiextensions.k8s.io/v1) found in the given YAML files."""
    for path in paths:
        for doc in yaml.load_all(path.read_text(), Loader=_CRDLoader):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                if doc.get("apiVersion") != "apiextensions.k8s.io/v1":
                    raise ValueError(f"{path}: only apiextensions.k8s.io/v1 CRDs are supported")
                yield doc


def write_crd_schemas(crds: Iterable[Schema], definitions: dict[str, Schema], out_dir: Path) -> list[str]:
    """One schema per served CRD version; returns "group/Kind/version" of each."""
    meta_root = {"$ref": "#/definitions/" + OBJECT_META}
    converted_meta = {name: _convert(schema) for name, schema in definitions.items()}
    written: list[str] = []
    for crd in crds:
        spec = crd["spec"]
        group, kind = spec["group"], spec["names"]["kind"]
        for version in spec["versions"]:
            if not version.get("served", True):
                continue
            schema = copy.deepcopy(version.get("schema", {}).get("openAPIV3Schema"))
            if schema is None:
                raise ValueError(f"CRD {crd['metadata']['name']} version {version['name']} has no schema")
            root = _convert(schema)
            props = root.setdefault("properties", {})
            props["apiVersion"] = {"type": "string", "enum": [f"{group}/{version['name']}"]}
            props["kind"] = {"type": "string", "enum": [kind]}
            props["metadata"] = meta_root
            root["required"] = sorted({*root.get("required", []), "apiVersion", "kind"})
            root["type"] = "object"
            root.setdefault("additionalProperties", False)
            path = _target(out_dir, group, kind, version["name"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_with_definitions(root, converted_meta), sort_keys=True))
            written.append(f"{group}/{kind}/{version['name']}")
    return written


def location_template(out_dir: Path) -> str:
    """kubeconform -schema-location for a directory written by this module."""
    return str(out_dir) + "/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
