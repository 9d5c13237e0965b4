"""Just enough of Kubernetes' protobuf envelope to read a SelfSubjectAccessReview, which kubectl and k9s send as
`application/vnd.kubernetes.protobuf` (the stand-in answers in JSON, which their Accept header also allows)."""

from __future__ import annotations

MAGIC = b"k8s\x00"
# SelfSubjectAccessReview.spec(2).resourceAttributes(1): field number -> name, as in k8s.io/api/authorization/v1.
RESOURCE_ATTRIBUTES = {1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name"}


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            raise ProtobufError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def fields(data: bytes) -> dict[int, bytes]:
    """The length-delimited fields of one message (the last of a repeated number wins); others are skipped."""
    out: dict[int, bytes] = {}
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, at = _varint(data, at)
        elif wire == 2:
            size, at = _varint(data, at)
            if at + size > len(data):
                raise ProtobufError("truncated field")
            out[number] = data[at : at + size]
            at += size
        elif wire in (1, 5):
            at += 8 if wire == 1 else 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
    return out


def access_review_attributes(body: bytes) -> dict[str, str]:
    """spec.resourceAttributes of a protobuf SelfSubjectAccessReview (runtime.Unknown envelope, field 2 = raw)."""
    if not body.startswith(MAGIC):
        raise ProtobufError("not a Kubernetes protobuf envelope")
    raw = fields(body[len(MAGIC) :]).get(2, b"")
    spec = fields(raw).get(2, b"")
    attributes = fields(spec).get(1, b"")
    return {RESOURCE_ATTRIBUTES[n]: v.decode() for n, v in fields(attributes).items() if n in RESOURCE_ATTRIBUTES}
