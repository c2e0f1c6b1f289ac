"""The Solara components as widgets (what Jupyter shows): render, step, toggle a remedy, switch language."""

import ipyvuetify as v
import pytest
import solara

from simulation.app import shown
from simulation.app.components import TrainerApp
from simulation.app.i18n import t
from simulation.interventions import INTERVENTIONS

ROOT_SCENARIOS = "scenarios"


@pytest.fixture
def app():
    box, rc = solara.render(TrainerApp(scenario="baseline", seed=2, folder=ROOT_SCENARIOS), handle_error=False)
    yield rc
    rc.close()


def button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def day_text(rc):
    return rc.find(v.Html, class_="govsim-day").widget.children[0]


def checkbox(rc, prefix):
    found = [w for w in rc.find(v.Checkbox).widgets if w.label.startswith(prefix)]
    assert len(found) == 1, [w.label for w in rc.find(v.Checkbox).widgets]
    return found[0]


def numbers(rc, metric):
    row = rc.find(v.Html, tag="tr", attributes={"data-metric": metric}).widget
    return [cell.children[0] for cell in row.children]


def test_renders_with_buttons_and_charts(app):
    for label in ("Step", "Play", "Reset", "中文"):
        button(app, label)
    assert day_text(app).startswith("Day 0")
    plots = app.find(v.VuetifyTemplate).widgets  # the offline plotly charts (and the loader)
    assert len(plots) >= 7


def test_step_advances_both_sides_and_redraws(app):
    before = numbers(app, "participation_rate")
    button(app, "Step").click()
    button(app, "Step").click()
    assert day_text(app).startswith("Day 2")
    assert numbers(app, "participation_rate") != before


def test_toggling_a_remedy_mid_run_changes_the_remedy_side_only(app):
    button(app, "Step").click()
    label = INTERVENTIONS["model_households"].title["en"]
    checkbox(app, label).v_model = True
    assert "from day 1" in checkbox(app, label).label
    for _ in range(6):
        button(app, "Step").click()
    # Some shown number now differs between the sides (which one depends on the days' events).
    rows = {name: numbers(app, name)[1:] for name in shown.NAMES}
    assert any(base != rem for base, rem, _ in rows.values()), rows


def test_language_switch_changes_labels(app):
    button(app, "中文").click()
    button(app, "English")
    button(app, t("step", "zh"))
    zh_title = INTERVENTIONS["model_households"].title["zh"]
    checkbox(app, zh_title)
    assert day_text(app).startswith("第 0 天")
