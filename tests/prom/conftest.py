from tests.prom.fixtures import (
    linkerd,
    linkerd_exporter,
    own_prometheus,
    prom_front,
    prometheus,
    prometheus_binary,
    prometheus_session,
)

__all__ = [
    "linkerd",
    "linkerd_exporter",
    "own_prometheus",
    "prom_front",
    "prometheus",
    "prometheus_binary",
    "prometheus_session",
]
