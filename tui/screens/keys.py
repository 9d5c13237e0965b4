"""canaryscope's keys, in one table.

The app's and the screens' bindings (and so the key bar, which reads them), the help screen's lines and the
command palette's commands are all made from these rows, so they cannot disagree; a test holds the README's key
table to them as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.actions import parse as parse_action
from textual.binding import Binding

from tui.actions import ACTION_TITLES, ActionKind
from tui.base.key_groups import SPARE
from tui.screens import moves

# Where a row applies: APP on every screen (the app's bindings), otherwise the one screen named.
APP = "app"
CONFIRM = "confirm"  # the yes/no question before an action
WHERE = (APP, *moves.SCREENS, CONFIRM)

# How the help and the README name keys whose Textual name is a word.
_SPOKEN = {"slash": "/", "escape": "Esc", "question_mark": "?"}


@dataclass(frozen=True)
class Key:
    key: str  # Textual's name of the key
    action: str  # a Textual action string, run on the app for APP rows, on the screen otherwise
    label: str  # the key bar's description
    help: str | None = None  # the help screen's line; None: the help does not list it
    palette: str | None = None  # the command palette's title; None: not in the palette
    palette_help: str = ""  # may name {screenshot_dir}
    where: str = APP
    show: bool = True  # in the key bar
    priority: bool = False
    key_display: str | None = None
    id: str | None = None
    # False: Textual binds the key itself (the command palette); the row is there for the help and the README.
    bound: bool = True
    # The key bar shows it only where it fits without another row or shorter descriptions.
    spare: bool = False

    @property
    def name(self) -> str:
        """The key as the help screen and the README write it."""
        return self.key_display or _SPOKEN.get(self.key, self.key)

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.show,
            priority=self.priority,
            key_display=self.key_display,
            id=self.id,
            group=SPARE if self.spare else None,
        )

    @property
    def method(self) -> tuple[str, tuple[object, ...]]:
        """The `action_` method's name and its arguments, as Textual would call it."""
        _, name, params = parse_action(self.action)
        return f"action_{name}", params


def _act(key: str, kind: ActionKind, label: str, help_text: str, id_: str, **rest: object) -> Key:
    """A row for one of the actions that change the canary or send load (one per ActionKind)."""
    return Key(
        key,
        f"act('{kind.value}')",
        label,
        help_text,
        palette=ACTION_TITLES[kind],
        palette_help=f"canaryscope action ({kind.value})",
        id=id_,
        **rest,  # type: ignore[arg-type]
    )


ROWS: tuple[Key, ...] = (
    _act(
        "r",
        ActionKind.RELEASE,
        "Release",
        "Release a new version: a new ECHO_VALUE in the target's pod template; Flagger starts an analysis",
        "release",
    ),
    _act(
        "R",
        ActionKind.FAULTY_RELEASE,
        "Faulty release",
        "Release a faulty version: the same plus SERVER_ERROR_RATE, so the canary fails its checks",
        "faulty-release",
        key_display="R",
    ),
    _act(
        "l",
        ActionKind.TOGGLE_LOAD,
        "Load",
        "Background load on/off (like hey -c 5 -q 5 …/examine?delay=100..250)",
        "load",
    ),
    _act(
        "e",
        ActionKind.INJECT_ERRORS,
        "Errors",
        "Inject errors for 4 minutes (like hey -c 2 -q 2 -z 4m …?status=500); hits primary and canary",
        "errors",
    ),
    _act(
        "p",
        ActionKind.PROMOTE,
        "Promote",
        "Promote: open the promotion gate, or set spec.skipAnalysis when the canary has no gate",
        "promote",
    ),
    _act(
        "a",
        ActionKind.ABORT,
        "Abort",
        "Abort: open the loadtester's rollback gate; Flagger rolls back at its next tick",
        "abort",
    ),
    _act(
        "C",
        ActionKind.CHANGE_CONFIG,
        "ConfigMap",
        "Change the ConfigMap the target reads (a new ECHO_VALUE): Flagger tracks it, so a new revision starts",
        "change-config",
        key_display="C",
        show=False,
    ),
    _act(
        "s",
        ActionKind.TOGGLE_SUSPEND,
        "Suspend",
        "Suspend / resume the canary (spec.suspend): Flagger skips it, routing stays as it is",
        "suspend",
    ),
    Key(
        "d",
        "detail",
        "Detail",
        "Detail charts of success rate, p99 latency and request rate (Esc to come back)",
        palette="Detail charts",
        palette_help="Success rate, latency and request rate as charts",
        id="detail",
    ),
    Key(
        "c",
        "analysis",
        "Checks",
        "Analysis view: every check with its query, values and range, why the canary halted, its webhooks (Esc to "
        "come back)",
        palette="Analysis view",
        palette_help="Every check, its query and values, and why the canary halted",
        id="analysis",
        spare=True,
    ),
    Key(
        "slash",
        "filter_events",
        "Filter",
        "Filter the event log, or the overview by name, namespace, context or phase (Esc clears)",
        palette="Filter events",
        palette_help="Filter Flagger's event log",
        show=False,
        id="filter",
    ),
    Key(
        "n",
        "next_canary",
        "Next canary",
        "Next canary, when there are several",
        palette="Next canary",
        palette_help="Follow the next canary in scope",
        show=False,
        id="next-canary",
    ),
    Key(
        "o",
        "overview",
        "Overview",
        "Overview of every canary in scope (Enter opens one, Esc comes back)",
        palette="Overview",
        palette_help="Every canary in scope",
        show=False,
        id="overview",
    ),
    Key("escape", "back", "Back", show=False, id="back"),
    Key(
        "z",
        "presentation",
        "Present",
        "Presentation mode: phase, traffic and success rates, large (z again to come back)",
        palette="Presentation mode",
        palette_help="Phase, traffic and success rates, large",
        id="presentation",
    ),
    Key(
        "t",
        "next_theme",
        "Theme",
        "Next theme: dark, light, high contrast, the terminal's 16 colours",
        show=False,
        id="theme",
    ),
    Key(
        "ctrl+s",
        "screenshot_svg",
        "Screenshot",
        "Save an SVG screenshot (--screenshot-dir)",
        palette="Save an SVG screenshot",
        palette_help="Into {screenshot_dir}",
        show=False,
        id="screenshot",
    ),
    Key("ctrl+p", "command_palette", "Palette", "Command palette: every action by name", bound=False),
    Key(
        "question_mark",
        "help",
        "Help",
        "This help",
        palette="Keys",
        palette_help="Show canaryscope's keys",
        key_display="?",
        id="help",
    ),
    Key("q", "quit", "Quit", "Quit (stops every load generator)", id="quit"),
    # Before the screen's own ctrl+c (copy): SREs expect it to quit.
    Key("ctrl+c", "quit", "Quit", show=False, priority=True, id="interrupt"),
    # The overview's own keys. Enter is not a priority binding: typed right after `o`, it reaches the overview once
    # that is on top.
    Key("enter", "open", "Open", where=moves.OVERVIEW),
    Key("left_square_bracket", "sort(-1)", "Sort ←", where=moves.OVERVIEW, key_display="["),
    Key("right_square_bracket", "sort(1)", "Sort →", where=moves.OVERVIEW, key_display="]"),
    Key("minus", "reverse", "Reverse", where=moves.OVERVIEW, key_display="-"),
    Key("escape", "app.back", "Back", where=moves.DETAIL),
    Key("d", "app.detail", "Back", where=moves.DETAIL, show=False),
    Key("escape", "app.back", "Back", where=moves.ANALYSIS),
    Key("c", "app.analysis", "Back", where=moves.ANALYSIS, show=False),
    Key("y", "copy_query", "Copy query", where=moves.ANALYSIS),
    # Priority: the scrolling list under the focused check would take the arrows to scroll instead.
    Key("down", "focus_check(1)", "Next check", where=moves.ANALYSIS, show=False, priority=True),
    Key("up", "focus_check(-1)", "Previous check", where=moves.ANALYSIS, show=False, priority=True),
    Key("z", "app.presentation", "Back", where=moves.PRESENTATION, key_display="z"),
    Key("escape", "app.back", "Back", where=moves.PRESENTATION, show=False),
    Key("escape", "app.back", "Close", where=moves.HELP),
    Key("question_mark", "app.help", "Close", where=moves.HELP, show=False),
    Key("q", "dismiss", "Close", where=moves.HELP, show=False),
    # The app's keys do not reach past the help's scrolling box: these close the help and act below it.
    Key("o", "app.overview", "Overview", where=moves.HELP, show=False),
    Key("d", "app.detail", "Detail", where=moves.HELP, show=False),
    Key("c", "app.analysis", "Checks", where=moves.HELP, show=False),
    Key("z", "app.presentation", "Present", where=moves.HELP, show=False),
    Key("enter", "app.open_rollout", "Open", where=moves.HELP, show=False),
    Key("y", "answer(True)", "Yes", where=CONFIRM),
    Key("n", "answer(False)", "No", where=CONFIRM),
    Key("escape", "answer(False)", "Cancel", where=CONFIRM),
)


def rows(where: str = APP) -> list[Key]:
    return [row for row in ROWS if row.where == where]


def bindings(where: str = APP) -> list[Binding]:
    """The BINDINGS of the app (APP) or of one screen."""
    return [row.binding() for row in rows(where) if row.bound]


def help_lines() -> list[tuple[str, str]]:
    """The help screen's lines: the key as written, what it does."""
    return [(row.name, row.help) for row in ROWS if row.help is not None]


def palette_rows() -> list[Key]:
    """The rows the command palette offers, in table order."""
    return [row for row in ROWS if row.palette is not None]


# The actions that move between screens, by the move each makes.
_MOVES = {
    "back": moves.BACK,
    "open": moves.OPEN,
    "open_rollout": moves.OPEN,
    "overview": moves.OVERVIEW,
    "detail": moves.DETAIL,
    "analysis": moves.ANALYSIS,
    "presentation": moves.PRESENTATION,
    "help": moves.HELP,
}


def navigation_keys() -> dict[str, str]:
    """Each key that moves between screens, and the move it makes (wherever in the table it makes one)."""
    found: dict[str, str] = {}
    for row in ROWS:
        _, name, _params = parse_action(row.action.removeprefix("app."))
        move = _MOVES.get(name)
        if move is not None and found.setdefault(row.key, move) != move:
            raise ValueError(f"key {row.key!r} makes two moves: {found[row.key]} and {move}")
    return found
