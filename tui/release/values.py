"""What a good and a faulty release of the Examiner change, and the commit message that says so."""

from __future__ import annotations

from collections.abc import Mapping

from tui.release.yaml_scalar import Scalar

ECHO_VALUE = "ECHO_VALUE"
SERVER_ERROR_RATE = "SERVER_ERROR_RATE"
# The seed README's faulty release: the Examiner answers 10 % of requests with HTTP 500.
FAULTY_ERROR_RATE = "10"
_SUBJECT_ECHO_CHARS = 40


def good_release(echo_value: str) -> dict[str, str]:
    return {ECHO_VALUE: echo_value, SERVER_ERROR_RATE: "0"}


def faulty_release(echo_value: str, error_rate: str = FAULTY_ERROR_RATE) -> dict[str, str]:
    return {ECHO_VALUE: echo_value, SERVER_ERROR_RATE: error_rate}


def is_faulty(values: Mapping[str, Scalar]) -> bool:
    return str(values.get(SERVER_ERROR_RATE, "0")).strip() not in ("", "0")


def commit_message(app: str, values: Mapping[str, Scalar]) -> str:
    """A subject that tells a good from a faulty release at a glance in `git log --oneline`, and a body that lists
    every value set."""
    kind = "faulty release" if is_faulty(values) else "release"
    echo = str(values.get(ECHO_VALUE, ""))
    if len(echo) > _SUBJECT_ECHO_CHARS:
        echo = echo[: _SUBJECT_ECHO_CHARS - 1] + "…"
    subject = f"{app}: {kind}"
    if echo:
        subject += f' "{" ".join(echo.split())}"'
    if is_faulty(values):
        subject += f" ({SERVER_ERROR_RATE}={values[SERVER_ERROR_RATE]})"
    body = "\n".join(f"{key}: {value}" for key, value in values.items())
    return f"{subject}\n\n{body}\n"
