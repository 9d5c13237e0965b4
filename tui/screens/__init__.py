"""Screens: the rollout view, the detail charts, help and confirmation."""
