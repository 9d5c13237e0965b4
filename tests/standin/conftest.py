from tests.standin.fixtures import apiserver, kubeconfig

__all__ = ["apiserver", "kubeconfig"]
