"""The trainer's app as Solara components (they render in the browser app and in Jupyter alike).

``TrainerApp`` owns one :class:`PairedRun` and the view settings; the
smaller components draw from it and call back into it. A counter
(``version``) changes after every action, which redraws the charts.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import solara

from simulation.app import adapter, export, figures, shown
from simulation.app.archetypes import archetypes, resolve, scenario_dir
from simulation.app.i18n import t
from simulation.app.layout import layout_for
from simulation.app.plotly_view import PlotlyFigure, PlotlyLoader
from simulation.app.session import SEED_MAX, PairedRun, check_seed
from simulation.metrics import METRICS
from simulation.scenario import Scenario, ScenarioError

# The parameters trainers talk about: dotted field -> (low, high, step). Ranges are the scenario's own.
SLIDERS = {
    "casework.admin_burden": (0.0, 1.0, 0.05),
    "community.stranger_index": (0.0, 1.0, 0.05),
    "casework.wall_stall": (0.0, 1.0, 0.05),
    "population.party_share": (0.0, 0.5, 0.01),
}
SPEEDS = (1, 2, 5, 10, 20)  # days per second
FRAMES_PER_SECOND = 2.0  # redraws while playing


def slider_value(scn: Scenario, dotted: str) -> float:
    return float(scn.value_at(dotted))


def pictures(run: PairedRun, lang: str, colour_by: str, show_ties: bool) -> tuple[dict, dict]:
    """The two community pictures (baseline, remedies) for the current day."""
    s = adapter.structure(run.baseline)
    lay = layout_for(s)  # the same structure on both sides (same seed): one layout
    out = []
    for side, model in (("baseline", run.baseline), ("remedy", run.remedy)):
        state = {
            "engaged": adapter.engaged(model),
            "trust": adapter.trust(model, "community"),
            "party": adapter.party(model),
            "model_household": adapter.in_model_household(model),
        }
        title = f"{t(side, lang)} · {t('day_n', lang, day=run.day)}"
        tie_pairs = adapter.ties(model)[:2] if show_ties else None
        out.append(
            figures.community_figure(
                lay, state, adapter.organisations(model), s.three_no, lang, title, colour_by, tie_pairs
            )
        )
    return out[0], out[1]


def charts(run: PairedRun, lang: str) -> dict[str, dict]:
    """The paired time series, their difference and the issue board."""
    hist = run.history()
    return {
        "participation": figures.participation_figure(hist, lang),
        "trust": figures.trust_figure(hist, lang),
        "issues": figures.issues_figure(hist, lang),
        "difference": figures.difference_figure(hist, lang),
        "board": figures.board_figure((adapter.issue_board(run.baseline), adapter.issue_board(run.remedy)), lang),
    }


def fmt(name: str, value: float) -> str:
    """A metric for the numbers table: shares and trust to 4 decimals, counts and days to 1."""
    if value != value:  # NaN: nothing to measure yet (e.g. no issue closed)
        return "–"
    return f"{value:.1f}" if METRICS[name].high > 1 else f"{value:.4f}"


def fmt_diff(name: str, diff: float) -> str:
    if diff != diff:
        return "–"
    return f"{diff:+.1f}" if METRICS[name].high > 1 else f"{diff:+.4f}"


def remedy_label(cls, lang: str) -> str:
    other = "en" if lang == "zh" else "zh"
    return f"{cls.title[lang]} · {cls.title[other]} · §{cls.paper_section}"


def Heading(text: str):
    # Plain text, not solara.Markdown: Markdown asks for KaTeX styles that are not bundled offline.
    solara.Text(text, style={"font-weight": "bold", "margin-top": "12px", "display": "block"})


@solara.component
def NumbersTable(run: PairedRun, lang: str, version: int):
    """Today's shown metrics on both sides and their difference."""
    base, rem = run.now()
    head = [t("table.metric", lang), t("baseline", lang), t("remedy", lang), "Δ"]
    rows = []
    groups = {name: "fig.participation" for name, _ in shown.PARTICIPATION} | {
        name: "fig.trust" for name, _ in shown.TRUST
    }
    for name, label in shown.ALL:
        b, r = base[name], rem[name]
        text = f"{t(groups[name], lang)}: {t(label, lang)}" if name in groups else t(label, lang)
        rows.append((name, text, fmt(name, b), fmt(name, r), fmt_diff(name, r - b)))
    with solara.v.Html(tag="table", class_="govsim-numbers", attributes={"data-day": str(run.day)}):
        with solara.v.Html(tag="tr"):
            for h in head:
                solara.v.Html(tag="th", children=[h])
        for name, *cells in rows:
            with solara.v.Html(tag="tr", attributes={"data-metric": name}):
                for c in cells:
                    solara.v.Html(tag="td", children=[c])


@solara.component
def RemedyToggles(run: PairedRun, lang: str, version: int, on_change):
    """One switch per remedy, with both titles and the paper section (``version`` redraws it)."""
    Heading(t("remedies", lang))
    for key, cls in adapter.remedies().items():
        r = run.remedies.get(key)

        def toggle(value: bool, key=key):
            if value:
                run.switch_on(key)
            else:
                run.switch_off(key)
            on_change()

        label = remedy_label(cls, lang)
        if r is not None and r.since > 0:
            label += f" ({t('since_day', lang, day=r.since)})"
        solara.Checkbox(label=label, value=r is not None, on_value=toggle)
    solara.Text(t("remedy_off_note", lang), style={"font-size": "0.8em", "color": "#666"})


@solara.component
def ExportButtons(run: PairedRun, lang: str, figs: dict[str, dict]):
    """One click each: all current figures as PNG (zip) or HTML, the run's data as CSV."""
    stem = f"govsim-{run.scenario_name}-seed{run.seed}-day{run.day}"
    Heading(t("export", lang))
    solara.FileDownload(
        lambda: export.figures_png_zip(figs),
        filename=f"{stem}-figures.zip",
        label=t("export_png", lang),
        mime_type="application/zip",
    )
    solara.FileDownload(
        lambda: export.figures_html(figs, stem),
        filename=f"{stem}-figures.html",
        label=t("export_html", lang),
        mime_type="text/html",
    )
    solara.FileDownload(
        lambda: export.run_csv(run),
        filename=f"{stem}.csv",
        label=t("export_csv", lang),
        mime_type="text/csv",
    )


@solara.component
def TrainerApp(scenario: str | None = None, seed: int = 1, folder: str | None = None):
    """The whole app: controls on the left, the two communities and their difference on the right.

    ``scenario`` is an archetype name or a scenario file; ``folder`` holds the
    archetypes (default: found next to the file, in ./scenarios or the repository).
    """
    where = solara.use_memo(
        lambda: scenario_dir(Path(scenario) if scenario else (Path(folder) if folder else None)), []
    )
    choices = solara.use_memo(lambda: archetypes(Path(folder) if folder else where), [])
    start = solara.use_memo(lambda: resolve(scenario, where), [])
    run = solara.use_memo(lambda: PairedRun(start[1], seed), [])
    lang = solara.use_reactive("en")
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(5)
    colour_by = solara.use_reactive("engaged")
    show_ties = solara.use_reactive(False)
    archetype = solara.use_reactive(start[0])
    error = solara.use_reactive("")
    overrides = solara.use_reactive({})

    def changed():
        version.value += 1

    def attempt(action):
        """Run an action; a user mistake becomes the error line instead of a crash."""
        try:
            action()
            error.value = ""
        except ScenarioError as err:
            error.value = str(err)
        changed()

    # Pause must stop the loop at once: an Event, not the reactive value, which the loop's
    # thread may see late.
    paused = solara.use_memo(threading.Event, [])

    def play_loop():
        # Runs in a thread while playing: one day per tick at the chosen speed, but at most
        # FRAMES_PER_SECOND redraws (a frame may then show several days), so the browser keeps
        # up and Pause answers at once.
        if not playing.value:
            return
        paused.clear()
        last_frame = 0.0
        while not paused.is_set():
            t0 = time.perf_counter()
            run.step(1)
            if t0 - last_frame >= 1.0 / FRAMES_PER_SECOND:
                last_frame = t0
                changed()
            paused.wait(max(0.0, 1.0 / speed.value - (time.perf_counter() - t0)))
        changed()  # the last day run

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    def pause():
        paused.set()
        playing.value = False

    def pick(name: str):
        pause()
        archetype.value = name
        attempt(lambda: run.configure(scenario=resolve(str(choices.get(name, name)), where)[1]))

    def set_seed(value):
        pause()
        attempt(lambda: run.configure(seed=check_seed(value)))

    def set_slider(dotted: str, value: float):
        pause()
        attempt(lambda: run.configure(overrides={**overrides.value, dotted: value}))
        if not error.value:
            overrides.value = {**overrides.value, dotted: value}

    def reset():
        pause()
        attempt(run.reset)

    lg = lang.value
    v = version.value
    pics = solara.use_memo(
        lambda: pictures(run, lg, colour_by.value, show_ties.value), [v, lg, colour_by.value, show_ties.value]
    )
    figs = solara.use_memo(lambda: charts(run, lg), [v, lg])
    all_figs = {"community_baseline": pics[0], "community_remedy": pics[1], **figs}

    PlotlyLoader()
    with solara.Column(style={"padding": "8px"}):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(t("app_title", lg), style={"font-size": "1.4em", "font-weight": "bold"})
            solara.Text(
                f"{t('day_n', lg, day=run.day)} · {t('adults', lg, n=adapter.adults(run.baseline))}",
                classes=["govsim-day"],
            )
            solara.v.Spacer()
            solara.Button(
                "English" if lg == "zh" else "中文",
                on_click=lambda: lang.set("en" if lg == "zh" else "zh"),
                outlined=True,
            )
        if error.value:
            solara.Error(f"{t('error', lg)}: {error.value}")
        with solara.Columns([3, 9]):
            with solara.Column():
                solara.Select(
                    t("archetype", lg), values=list(choices) or [archetype.value], value=archetype.value, on_value=pick
                )
                solara.InputInt(t("seed", lg), value=run.seed, on_value=set_seed)
                solara.Text(f"0 … {SEED_MAX}", style={"font-size": "0.75em", "color": "#666"})
                with solara.Row():
                    solara.Button(t("step", lg), on_click=lambda: attempt(lambda: run.step(1)), disabled=playing.value)
                    if playing.value:
                        solara.Button(t("pause", lg), on_click=pause, color="warning")
                    else:
                        solara.Button(t("play", lg), on_click=lambda: playing.set(True), color="primary")
                    solara.Button(t("reset", lg), on_click=reset)
                solara.SliderValue(t("speed", lg), value=speed, values=list(SPEEDS))
                RemedyToggles(run, lg, v, changed)
                Heading(t("sliders", lg))
                for dotted, (low, high, step) in SLIDERS.items():
                    current = overrides.value.get(dotted, slider_value(run.source, dotted))
                    solara.SliderFloat(
                        t(f"slider.{dotted}", lg),
                        value=current,
                        min=low,
                        max=high,
                        step=step,
                        on_value=lambda x, d=dotted: set_slider(d, x),
                        thumb_label="always",
                    )
                solara.ToggleButtonsSingle(
                    value=colour_by,
                    children=[
                        solara.Button(t("colour_engaged", lg), value="engaged"),
                        solara.Button(t("colour_trust", lg), value="trust"),
                    ],
                )
                solara.Checkbox(label=t("show_ties", lg), value=show_ties)
                ExportButtons(run, lg, all_figs)
            with solara.Column():
                with solara.Columns([1, 1]):
                    PlotlyFigure(pics[0])
                    PlotlyFigure(pics[1])
                NumbersTable(run, lg, v)
                PlotlyFigure(figs["difference"])
                with solara.Columns([1, 1]):
                    PlotlyFigure(figs["participation"])
                    PlotlyFigure(figs["trust"])
                with solara.Columns([1, 1]):
                    PlotlyFigure(figs["issues"])
                    PlotlyFigure(figs["board"])


@solara.component
def Page():
    """The page ``govsim app`` serves (its settings come from the command line through the server)."""
    from simulation.app import server

    TrainerApp(scenario=server.settings.scenario, seed=server.settings.seed, folder=server.settings.folder)
