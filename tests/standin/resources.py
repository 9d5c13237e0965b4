"""Resource types the stand-in serves, and the discovery documents generated from them.

A resource is stored once per (group, plural); every served version sees the same objects with `apiVersion`
rewritten, which is what a CRD without a conversion webhook does.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tests.standin.patching import ListSpec, SmpSchema

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
CREATE_ONLY = ("create",)
SUBRESOURCE_VERBS = {"status": ("get", "patch", "update"), "log": ("get",)}
COMMON_FIELDS = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class PrinterColumn:
    """A CRD's additionalPrinterColumns entry: what a server-side Table shows for the resource."""

    name: str
    type: str
    json_path: str
    priority: int = 0

    def crd_entry(self) -> dict:
        entry: dict = {"name": self.name, "type": self.type, "jsonPath": self.json_path}
        if self.priority:
            entry["priority"] = self.priority
        return entry


# What the API server shows for a resource that declares no columns.
AGE = PrinterColumn("Age", "date", ".metadata.creationTimestamp")


@dataclass(frozen=True)
class ResourceType:
    group: str
    versions: tuple[str, ...]
    plural: str
    kind: str
    namespaced: bool = True
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: frozenset[str] = frozenset()
    builtin: bool = False  # built-ins accept strategic merge patches; custom resources answer 415
    has_generation: bool = True
    extra_fields: tuple[str, ...] = ()  # field-selector labels beyond metadata.name/namespace
    smp: SmpSchema = field(default_factory=dict, compare=False, hash=False)
    printer_columns: tuple[PrinterColumn, ...] = field(default=(), compare=False, hash=False)
    verbs: tuple[str, ...] = ALL_VERBS

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.plural)

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def preferred_version(self) -> str:
        return sort_versions(self.versions)[0]

    @property
    def qualified(self) -> str:
        """`pods`, `deployments.apps`, `canaries.flagger.app` — as API error messages name resources."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def columns(self) -> tuple[PrinterColumn, ...]:
        return self.printer_columns or (AGE,)

    @property
    def field_labels(self) -> tuple[str, ...]:
        return COMMON_FIELDS + self.extra_fields

    def api_version(self, version: str | None = None) -> str:
        v = version or self.preferred_version
        return f"{self.group}/{v}" if self.group else v


_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def _version_rank(v: str) -> tuple[int, int, int, str]:
    m = _VERSION_RE.match(v)
    if not m:
        return (3, 0, 0, v)  # non-Kubernetes-style versions sort last, alphabetically
    stability = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (stability, -int(m.group(1)), -int(m.group(3) or 0), v)


def sort_versions(versions: Iterable[str]) -> list[str]:
    """Kubernetes version priority: GA > beta > alpha, then higher major, then higher minor."""
    return sorted(versions, key=_version_rank)


# Strategic-merge keys, as declared by `patchMergeKey` in k8s.io/api.
_OBJECT_META: SmpSchema = {"finalizers": ListSpec(None), "ownerReferences": ListSpec("uid")}
_CONTAINER: SmpSchema = {
    "env": ListSpec("name"),
    "ports": ListSpec("containerPort"),
    "volumeMounts": ListSpec("mountPath"),
    "volumeDevices": ListSpec("devicePath"),
}
_POD_SPEC: SmpSchema = {
    "containers": ListSpec("name", _CONTAINER),
    "initContainers": ListSpec("name", _CONTAINER),
    "ephemeralContainers": ListSpec("name", _CONTAINER),
    "volumes": ListSpec("name"),
    "imagePullSecrets": ListSpec("name"),
    "hostAliases": ListSpec("ip"),
}
_CONDITIONS: SmpSchema = {"conditions": ListSpec("type")}

POD_SMP: SmpSchema = {"metadata": _OBJECT_META, "spec": _POD_SPEC, "status": _CONDITIONS}
DEPLOYMENT_SMP: SmpSchema = {
    "metadata": _OBJECT_META,
    "spec": {"template": {"metadata": _OBJECT_META, "spec": _POD_SPEC}},
    "status": _CONDITIONS,
}
SERVICE_SMP: SmpSchema = {"metadata": _OBJECT_META, "spec": {"ports": ListSpec("port")}}
META_ONLY_SMP: SmpSchema = {"metadata": _OBJECT_META}

PODS = ResourceType(
    "",
    ("v1",),
    "pods",
    "Pod",
    singular="pod",
    short_names=("po",),
    categories=("all",),
    subresources=frozenset({"status", "log"}),
    builtin=True,
    extra_fields=(
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ),
    smp=POD_SMP,
)
EVENTS = ResourceType(
    "",
    ("v1",),
    "events",
    "Event",
    singular="event",
    short_names=("ev",),
    builtin=True,
    has_generation=False,
    extra_fields=(
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    smp=META_ONLY_SMP,
)
SERVICES = ResourceType(
    "",
    ("v1",),
    "services",
    "Service",
    singular="service",
    short_names=("svc",),
    categories=("all",),
    subresources=frozenset({"status"}),
    builtin=True,
    has_generation=False,
    smp=SERVICE_SMP,
)
CONFIGMAPS = ResourceType(
    "",
    ("v1",),
    "configmaps",
    "ConfigMap",
    singular="configmap",
    short_names=("cm",),
    builtin=True,
    has_generation=False,
    smp=META_ONLY_SMP,
)
# Served where a test installs it (`install_crd`): the poller reads a MetricTemplate's secretRef from here.
SECRETS = ResourceType(
    "",
    ("v1",),
    "secrets",
    "Secret",
    singular="secret",
    builtin=True,
    has_generation=False,
    smp=META_ONLY_SMP,
)
NAMESPACES = ResourceType(
    "",
    ("v1",),
    "namespaces",
    "Namespace",
    namespaced=False,
    singular="namespace",
    short_names=("ns",),
    subresources=frozenset({"status"}),
    builtin=True,
    has_generation=False,
    extra_fields=("status.phase",),
    smp=META_ONLY_SMP,
)
DEPLOYMENTS = ResourceType(
    "apps",
    ("v1",),
    "deployments",
    "Deployment",
    singular="deployment",
    short_names=("deploy",),
    categories=("all",),
    subresources=frozenset({"status"}),
    builtin=True,
    smp=DEPLOYMENT_SMP,
)
DAEMONSETS = ResourceType(
    "apps",
    ("v1",),
    "daemonsets",
    "DaemonSet",
    singular="daemonset",
    short_names=("ds",),
    categories=("all",),
    subresources=frozenset({"status"}),
    builtin=True,
    smp=DEPLOYMENT_SMP,
)
BUILTINS: tuple[ResourceType, ...] = (PODS, EVENTS, SERVICES, CONFIGMAPS, NAMESPACES, DEPLOYMENTS, DAEMONSETS)

# What kubectl and k9s ask for beyond canaryscope's needs (ApiServer(peer_support=True) serves them).
NODES = ResourceType(
    "",
    ("v1",),
    "nodes",
    "Node",
    namespaced=False,
    singular="node",
    short_names=("no",),
    subresources=frozenset({"status"}),
    builtin=True,
    has_generation=False,
    smp=META_ONLY_SMP,
)
CRDS = ResourceType(
    "apiextensions.k8s.io",
    ("v1",),
    "customresourcedefinitions",
    "CustomResourceDefinition",
    namespaced=False,
    singular="customresourcedefinition",
    short_names=("crd", "crds"),
    subresources=frozenset({"status"}),
    has_generation=True,
)
ACCESS_REVIEWS = ResourceType(
    "authorization.k8s.io",
    ("v1",),
    "selfsubjectaccessreviews",
    "SelfSubjectAccessReview",
    namespaced=False,
    singular="selfsubjectaccessreview",
    builtin=True,
    has_generation=False,
    verbs=CREATE_ONLY,
)
PEER_TYPES: tuple[ResourceType, ...] = (NODES, CRDS, ACCESS_REVIEWS)

CANARIES = ResourceType(
    "flagger.app",
    ("v1beta1",),
    "canaries",
    "Canary",
    singular="canary",
    categories=("all",),
    subresources=frozenset({"status"}),
    # Flagger v1.44's additionalPrinterColumns (artifacts/flagger/crd.yaml), in its order.
    printer_columns=(
        PrinterColumn("Status", "string", ".status.phase"),
        PrinterColumn("Weight", "string", ".status.canaryWeight"),
        PrinterColumn("Suspended", "boolean", ".spec.suspend", 1),
        PrinterColumn("FailedChecks", "string", ".status.failedChecks", 1),
        PrinterColumn("Interval", "string", ".spec.analysis.interval", 1),
        PrinterColumn("Mirror", "boolean", ".spec.analysis.mirror", 1),
        PrinterColumn("StepWeight", "string", ".spec.analysis.stepWeight", 1),
        PrinterColumn("StepWeights", "string", ".spec.analysis.stepWeights", 1),
        PrinterColumn("MaxWeight", "string", ".spec.analysis.maxWeight", 1),
        PrinterColumn("LastTransitionTime", "string", ".status.lastTransitionTime"),
    ),
)
# Served only by clusters that installed Flagger's MetricTemplate CRD; tests install it where they need it.
METRICTEMPLATES = ResourceType(
    "flagger.app",
    ("v1beta1",),
    "metrictemplates",
    "MetricTemplate",
    singular="metrictemplate",
)
TRAFFICSPLITS = ResourceType(
    "split.smi-spec.io",
    ("v1alpha1", "v1alpha2"),
    "trafficsplits",
    "TrafficSplit",
    singular="trafficsplit",
    short_names=("ts",),
)
HTTPROUTES = ResourceType(
    "gateway.networking.k8s.io",
    ("v1", "v1beta1"),
    "httproutes",
    "HTTPRoute",
    singular="httproute",
    categories=("gateway-api",),
    subresources=frozenset({"status"}),
)
HELMRELEASES = ResourceType(
    "helm.toolkit.fluxcd.io",
    ("v2",),
    "helmreleases",
    "HelmRelease",
    singular="helmrelease",
    short_names=("hr",),
    subresources=frozenset({"status"}),
)
DEMO_CRDS: tuple[ResourceType, ...] = (CANARIES, TRAFFICSPLITS, HTTPROUTES, HELMRELEASES)


def _storage_hash(rt: ResourceType) -> str:
    digest = hashlib.sha256(f"{rt.group}/{rt.plural}".encode()).digest()[:8]
    return base64.b64encode(digest).decode()


def resource_entry(rt: ResourceType) -> dict:
    entry: dict = {
        "name": rt.plural,
        "singularName": rt.singular or rt.kind.lower(),
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(rt.verbs),
        "storageVersionHash": _storage_hash(rt),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    return entry


def resource_list(group_version: str, types: Iterable[ResourceType]) -> dict:
    resources: list[dict] = []
    for rt in sorted(types, key=lambda r: r.plural):
        resources.append(resource_entry(rt))
        for sub in sorted(rt.subresources):
            resources.append(
                {
                    "name": f"{rt.plural}/{sub}",
                    "singularName": "",
                    "namespaced": rt.namespaced,
                    "kind": rt.kind,
                    "verbs": list(SUBRESOURCE_VERBS[sub]),
                }
            )
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def api_group(name: str, versions: Iterable[str]) -> dict:
    ordered = sort_versions(set(versions))
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in ordered]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def group_versions(types: Iterable[ResourceType]) -> Mapping[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for rt in types:
        if rt.group:
            groups.setdefault(rt.group, set()).update(rt.versions)
    return groups


def crd_object(rt: ResourceType) -> dict:
    """The CustomResourceDefinition that would have installed `rt`, as `kubectl get crd -o json` shows it."""
    storage = rt.preferred_version
    names: dict = {"kind": rt.kind, "listKind": rt.list_kind, "plural": rt.plural, "singular": rt.singular}
    if rt.short_names:
        names["shortNames"] = list(rt.short_names)
    if rt.categories:
        names["categories"] = list(rt.categories)
    versions = []
    for v in sort_versions(rt.versions):
        version: dict = {
            "name": v,
            "served": True,
            "storage": v == storage,
            "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            "additionalPrinterColumns": [c.crd_entry() for c in rt.columns],
        }
        if rt.has_status:
            version["subresources"] = {"status": {}}
        versions.append(version)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": rt.qualified},
        "spec": {
            "group": rt.group,
            "names": names,
            "scope": "Namespaced" if rt.namespaced else "Cluster",
            "versions": versions,
        },
        "status": {
            "acceptedNames": names,
            "storedVersions": [storage],
            "conditions": [{"type": "Established", "status": "True", "reason": "InitialNamesAccepted"}],
        },
    }
