"""MetricTemplate queries rendered with Flagger's variables, on the queries of Flagger's own documentation."""

from __future__ import annotations

import pytest

from tui.domain.flagger.query_template import RenderError, TemplateModel, render_query

MODEL = TemplateModel.for_canary(
    name="podinfo", namespace="test", target="podinfo", interval="1m", variables={"direction": "inbound"}
)

# From Flagger's docs/gitbook/usage/metrics.md (the Linkerd "not found" template with templateVariables).
DOCS_QUERY = """
    100 - sum(
        rate(
          response_total{
            namespace="{{ namespace }}",
            deployment=~"{{ target }}",
            direction="{{ variables.direction }}"
          }[{{ interval }}]
        )
    )
"""


def test_flaggers_documented_template_renders_with_its_variables() -> None:
    rendered = render_query(DOCS_QUERY, MODEL)
    assert 'namespace="test"' in rendered
    assert 'deployment=~"podinfo"' in rendered
    assert 'direction="inbound"' in rendered
    assert "}[1m]" in rendered
    assert "{{" not in rendered


def test_service_ingress_and_route_default_to_the_target_and_names_come_from_the_canary() -> None:
    model = TemplateModel.for_canary(name="web", namespace="prod", target="web-app", interval="30s", service="web-svc")
    assert render_query("{{name}} {{ service }} {{ ingress }} {{ route }} {{target}}", model) == (
        "web web-svc web-app web-app web-app"
    )


def test_trim_markers_remove_the_space_beside_them() -> None:
    assert render_query('ns="  {{- namespace -}}  "', MODEL) == 'ns="test"'


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("{{ variables.missing }}", 'map has no entry for key "missing"'),
        ("{{ canary }}", 'function "canary" not defined'),
        ("{{ namespace", "unclosed action"),
        ("{{ .Values.x }}", "unsupported action"),
    ],
)
def test_a_query_flagger_cannot_render_is_one_line_of_its_own_words(query: str, words: str) -> None:
    with pytest.raises(RenderError) as raised:
        render_query(query, MODEL)
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)
