from tests.prom.fixtures import (  # noqa: F401
    linkerd,
    linkerd_exporter,
    own_prometheus,
    prom_front,
    prometheus,
    prometheus_session,
)
from tests.standin.fixtures import apiserver, kubeconfig  # noqa: F401
