"""Kubernetes objects as canaryscope reads them. The `kubernetes` client itself is imported lazily."""
