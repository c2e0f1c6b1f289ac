"""Pictures and charts: valid plotly, JSON-safe, in both languages; layout computed once and sampled."""

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from simulation import METRICS, Scenario
from simulation.app import adapter, figures, shown
from simulation.app.components import charts, pictures
from simulation.app.i18n import TEXTS, t
from simulation.app.layout import MAX_DOTS, layout_for
from simulation.app.session import PairedRun

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def run():
    r = PairedRun(Scenario().scaled(adults=600).override({"burn_in_days": 30}), seed=4)
    r.switch_on("model_households")
    r.step(20)
    r.switch_on("whistle_report")
    r.step(10)
    return r


def all_figures(run, lang, colour_by="engaged", ties=False):
    pics = pictures(run, lang, colour_by, ties)
    return {"baseline": pics[0], "remedy": pics[1], **charts(run, lang)}


def test_shown_metrics_exist_in_the_model():
    shown.check()
    assert set(shown.NAMES) <= set(METRICS)


def test_every_text_has_both_languages():
    for key, texts in TEXTS.items():
        assert set(texts) == {"en", "zh"} and all(texts.values()), key


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("colour_by,ties", [("engaged", False), ("trust", True)])
def test_figures_are_valid_plotly_and_json(run, lang, colour_by, ties):
    for name, fig in all_figures(run, lang, colour_by, ties).items():
        json.dumps(fig, allow_nan=False)  # the browser parses strict JSON: no NaN
        go.Figure(fig)  # plotly validates every property (raises on a wrong one)
        assert fig["data"], name


def test_language_changes_every_title_and_axis(run):
    en, zh = all_figures(run, "en"), all_figures(run, "zh")
    for name in en:
        assert en[name]["layout"]["title"]["text"] != zh[name]["layout"]["title"]["text"]
        assert CJK.search(zh[name]["layout"]["title"]["text"]), name
        for key, axis in zh[name]["layout"].items():
            if key.startswith(("xaxis", "yaxis")) and axis.get("title", {}).get("text"):
                assert CJK.search(axis["title"]["text"]), (name, key)
        for trace in zh[name]["data"]:
            if trace.get("name"):
                assert CJK.search(trace["name"]), (name, trace["name"])


def test_paired_lines_have_every_day_of_both_sides(run):
    fig = figures.participation_figure(run.history(), "en")
    assert len(fig["data"]) == 2 * len(shown.PARTICIPATION)
    assert all(tr["x"] == list(range(1, 31)) for tr in fig["data"])


def test_difference_is_remedy_minus_baseline(run):
    hist = run.history()
    fig = figures.difference_figure(hist, "en")
    base, rem = hist[hist.arm == "baseline"], hist[hist.arm == "remedy"]
    trust = next(tr for tr in fig["data"] if tr["name"] == t("trust.community", "en"))
    expect = rem["trust_community"].to_numpy() - base["trust_community"].to_numpy()
    assert np.allclose(trust["y"], expect)


def test_issue_board_counts_every_open_issue(run):
    for model in (run.baseline, run.remedy):
        board = adapter.issue_board(model)
        assert board.counts.sum() == model.metrics()["issues_open"]
        assert board.counts.shape == (6, len(adapter.BOARD_COLUMNS))


def test_picture_marks_party_members_and_model_households(run):
    fig = pictures(run, "en", "engaged", False)[1]
    by_name = {tr["name"]: tr for tr in fig["data"]}
    lay = layout_for(adapter.structure(run.remedy))
    assert len(by_name[t("legend.party", "en")]["x"]) == int(adapter.party(run.remedy)[lay.shown].sum())
    n_mh = int(adapter.in_model_household(run.remedy)[lay.shown].sum())
    assert n_mh > 0 and len(by_name[t("legend.model_household", "en")]["x"]) == n_mh
    eng = len(by_name[t("legend.engaged", "en")]["x"])
    assert eng == int(adapter.engaged(run.remedy)[lay.shown].sum())
    baseline_pic = pictures(run, "en", "engaged", False)[0]
    assert not any(tr["name"] == t("legend.model_household", "en") and tr["x"] for tr in baseline_pic["data"])


def test_layout_is_cached_and_sampled_for_large_communities():
    big = PairedRun(Scenario().scaled(adults=8000).override({"burn_in_days": 0}), seed=1)
    s = adapter.structure(big.baseline)
    lay = layout_for(s)
    assert layout_for(adapter.structure(big.remedy)) is lay  # same structure, same object
    assert len(lay.shown) == MAX_DOTS and lay.sampled
    assert np.all(np.diff(lay.shown) > 0)
    # Every drawn resident sits inside its compound's box.
    comp = s.compound[lay.shown]
    box = lay.compound_box[comp]
    assert np.all((lay.x > box[:, 0]) & (lay.x < box[:, 2]) & (lay.y > box[:, 1]) & (lay.y < box[:, 3]))
