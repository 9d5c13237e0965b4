"""Generated markup-looking and control-character text in every field a cluster fills, through the parsers into
every panel and screen (rollout, presentation, detail, overview, help, a confirmation, a toast, a script's `say`):
nothing raises, and the text appears literally (as tui.base.safe_text made it), never read as markup."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.cluster import objects
from tests.reliability.report import Report
from tests.simkit import sim_app
from tui.app.script import ScriptRunner, parse_script
from tui.base.safe_text import safe_text
from tui.domain.flagger.payload import as_event, decode
from tui.domain.model import CanaryKey, Health, SourceHealth
from tui.domain.observations import CanaryObserved, CanarySelected, DeploymentObserved, EventObserved, HealthObserved
from tui.kube.parse import parse_canary, parse_deployment
from tui.screens.confirm import ConfirmScreen
from widgets.narration_bar import NarrationBar

TAGS = [
    "b",
    "/",
    "/b",
    "/bold",
    "bold red",
    "@click=app.act('release')",
    "@click=app.quit",
    "link=http://evil.example",
    "on $accent",
    "reverse",
    "i",
    "ms",
    "rejected",
]
PIECE = st.text(alphabet=st.sampled_from(list("ab [/]@=()'\\$:#\x1b\n\r\x07\t\x00\x9b\u202e\u200d👍")), max_size=5)
MARKUPISH = st.one_of(
    st.builds(lambda a, tag, b: f"{a}[{tag}]{b}", PIECE, st.sampled_from(TAGS), PIECE),
    st.builds(
        lambda a, tag, b, close: f"{a}[{tag}]{b}[{close}]", PIECE, st.sampled_from(TAGS), PIECE, st.sampled_from(TAGS)
    ),
    st.text(min_size=1, max_size=12),
)
# A Kubernetes object always has a name: one that is nothing but invisible characters is no name at all.
NAMEISH = MARKUPISH.filter(lambda text: safe_text(text).strip() != "")
FIELDS = ("name", "target", "hook", "phase", "echo", "image", "message", "health", "notice", "question", "say")
examples: Counter[str] = Counter()


def compact(text: str) -> str:
    """Without whitespace: wrapped and padded text compares with the one-line original."""
    return re.sub(r"\s+", "", text)


def shown_literally(safe: str, text: str) -> bool:
    """The whole text, or (a long one, cut to its column) a literal beginning of it followed by the ellipsis."""
    whole, shown = compact(safe), compact(text)
    if whole in shown:
        return True
    return any(whole[:cut] + "…" in shown for cut in range(len(whole) - 1, 7, -1))


def rendered(widget: Any) -> str:
    return str(widget.render())


def hostile_observations(texts: dict[str, str], t: float) -> tuple[CanaryKey, list[Any]]:
    canary = objects.canary(
        texts["name"], phase=texts["phase"], weight=20, failed=1, hooks=[{"name": texts["hook"], "type": "rollout"}]
    )
    canary["spec"]["targetRef"]["name"] = texts["target"]
    info = parse_canary(canary)
    assert info is not None
    target = info.target
    deployments = [objects.deployment(target, echo=texts["echo"]), objects.deployment(f"{target}-primary")]
    for deployment in deployments:
        deployment["spec"]["template"]["spec"]["containers"][0]["image"] = texts["image"]
    payload = {
        "name": texts["name"],
        "namespace": "test",
        "phase": "Progressing",
        "metadata": {"eventMessage": texts["message"], "eventType": "Warning", "timestamp": str(int(t * 1000))},
    }
    observations = [
        CanaryObserved(info, t),
        *(DeploymentObserved(d) for d in (parse_deployment(x) for x in deployments) if d is not None),
        EventObserved(as_event(decode(payload))),
        HealthObserved(SourceHealth("prometheus", Health.UNREACHABLE, safe_text(texts["health"]))),
        CanarySelected(info.key),
    ]
    return info.key, observations


async def show_everywhere(draw: Any) -> list[str]:
    """Each round: new hostile text in every field, then every screen. Returns what was not shown literally."""
    app, _source, _sim = sim_app("seed")
    missing: list[str] = []
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        for _ in range(4):
            texts = {field: draw(NAMEISH if field == "name" else MARKUPISH) for field in FIELDS}
            safe = {field: safe_text(text) for field, text in texts.items()}
            key, observations = hostile_observations(texts, app.state.now)
            app.apply(observations)
            await pilot.pause()
            screen = app.rollout_screen
            shown = {
                "name": rendered(screen.query_one("#status")),
                "target": rendered(screen.query_one("#deployments")),
                "echo": rendered(screen.query_one("#deployments")),
                "message": screen.query_one("#events").visible_text(),  # type: ignore[attr-defined]
                "health": rendered(screen.query_one("#topbar")),
            }
            await pilot.press("z")
            # Block type draws letters as glyphs: what it was asked to draw (never markup) is its text.
            shown["phase"] = app.screen.query_one("#p-phase").text.lower()  # shown in capitals
            safe["phase"] = safe["phase"].upper().lower()
            shown["name"] += rendered(app.screen.query_one("#p-title"))
            await pilot.press("z", "d")
            shown["name"] += rendered(app.screen.query_one("#detail-title"))
            await pilot.press("escape", "o")
            await pilot.pause()
            await pilot.press("escape", "question_mark")
            await pilot.press("escape")
            # The question, a notice: built from names and messages already made safe where they were parsed.
            app.push_screen(ConfirmScreen(f"Patch Deployment {safe['question']}?"))
            await pilot.pause()
            shown["question"] = rendered(app.screen.query_one("#confirm-question"))
            await pilot.press("n")
            app.notify(safe["notice"], title="Release")
            script = parse_script({"steps": [{"at": "0s", "do": "say", "text": texts["say"]}]})
            app.presenter.runner = ScriptRunner(script)
            app.presenter._step(script.steps[0])  # a `say`: a caption above the narration
            deadline = time.monotonic() + 10
            while not app.screen.query("Toast") and time.monotonic() < deadline:
                await pilot.pause(0.05)
            await pilot.pause()
            shown["notice"] = " ".join(rendered(t) for t in app.screen.query("Toast"))
            shown["say"] = rendered(app.rollout_screen.query_one(NarrationBar))
            missing += [
                f"{field}: {safe[field]!r}" for field, text in shown.items() if not shown_literally(safe[field], text)
            ]
            app.clear_notifications()
            while app.screen is not app.rollout_screen:
                app.pop_screen()
            assert key in app.state.canaries
        await pilot.press("q")
    return missing


# Each example runs the app; shrinking would rerun it hundreds of times, and the failing draws are printed anyway.
@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_generated_markup_and_controls_render_literally_on_every_screen(report: Report, data: st.DataObject) -> None:
    examples["rounds"] += 4
    try:
        missing = asyncio.run(show_everywhere(data.draw))
    except BaseException as exc:
        report.outcome(
            "Security",
            "hostile-markup",
            "generated markup (`[/]`, `[@click=…]`, `[bold]…[/b]`, `[ms]`) mixed with ESC, CR, NUL, C1, RTL override "
            "and ZWJ, in the canary name, target, hook, phase, ECHO_VALUE, image, event, health, toast, `say`",
            "parsed, then shown on the rollout screen, presentation mode, detail, overview, help, a confirmation, "
            "a toast and a script's `say`: no exception, each text shown literally",
            f"failed: {exc.__class__.__name__}: {exc}"[:160],
            False,
        )
        raise
    ok = report.outcome(
        "Security",
        "hostile-markup",
        "generated markup (`[/]`, `[@click=…]`, `[bold]…[/b]`, `[ms]`) mixed with ESC, CR, NUL, C1, RTL override "
        "and ZWJ, in the canary name, target, hook, phase, ECHO_VALUE, image, event, health, toast, `say`",
        "parsed, then shown on the rollout screen, presentation mode, detail, overview, help, a confirmation, "
        "a toast and a script's `say`: no exception, each text shown literally",
        f"{examples['rounds']} rounds of {len(FIELDS)} texts; {len(missing)} not shown literally",
        not missing,
    )
    assert not missing, missing
    assert ok
