"""Live cluster mode: Kubernetes watches, the logger pod's stream, Kubernetes Events and Prometheus.

Every piece runs in its own worker thread with the official `kubernetes` client (imported lazily, so the
demo starts fast) and reports observations and its health into its owner's mailbox (tui.sources.mailbox).
"""
