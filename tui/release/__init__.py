"""Releasing the Examiner through Git, the seed demo's way: edit the HelmRelease values, commit, push."""

from tui.release.errors import ReleaseError
from tui.release.redact import redact
from tui.release.yaml_edit import set_scalars

__all__ = ["ReleaseError", "redact", "set_scalars"]
