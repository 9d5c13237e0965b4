"""A Kubernetes API stand-in for tests that talk to it with the real `kubernetes` client over HTTP."""
