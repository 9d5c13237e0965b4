"""Where Canaries may be listed when every namespace is refused: the namespaces found to allow it, as a sentence."""

from __future__ import annotations

from dataclasses import dataclass

# Namespaces named in the sentence; the rest are counted.
NAMED = 5


@dataclass(frozen=True)
class AllowedScopes:
    """The namespaces that allow listing Canaries, out of `checked` asked about. `more`: there are namespaces that
    were not asked about (a bounded check). `guessed`: namespaces could not be listed, so only the kubeconfig
    context's namespace was asked about."""

    namespaces: tuple[str, ...]
    checked: int
    more: bool = False
    guessed: bool = False


def allowed_text(allowed: AllowedScopes) -> str:
    """`You may list them in apps, web and 2 more: try -n apps.` or why none was found."""
    if allowed.namespaces:
        among = f" (of the first {allowed.checked} namespaces)" if allowed.more else ""
        return f"You may list them in {allowed_names(allowed)}{among}: try -n {allowed.namespaces[0]}."
    if allowed.guessed:
        where = "the context's namespace does not allow it either, and namespaces may not be listed"
    else:
        first = "first " if allowed.more else ""
        where = f"none of the {first}{allowed.checked} namespaces allows it"
    return f"Checked: {where}; ask for list and watch on canaries.flagger.app."


def allowed_names(allowed: AllowedScopes) -> str:
    """`apps, web, shop, pay, search and 2 more`: up to NAMED namespaces, the rest counted."""
    shown = allowed.namespaces[:NAMED]
    rest = len(allowed.namespaces) - len(shown)
    if rest:
        return f"{', '.join(shown)} and {rest} more"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"
