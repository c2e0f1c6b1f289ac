"""The ``govsim`` command line (also ``python -m simulation``).

User mistakes (a bad scenario file, field or flag) print one line to stderr
naming the input and exit with status 2; no traceback.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from simulation.scenario import Scenario, ScenarioError, load_scenario

app = typer.Typer(
    name="govsim",
    help="Agent-based simulator of multi-actor community governance: run scenarios, compare interventions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# A wide console when output is piped, so tables are not cut to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 150)
SUMMARY_DAYS = 90


class UserError(Exception):
    """A mistake in the user's input: reported in one line, exit status 2."""


class Interrupted(Exception):
    """Ctrl-C: the message says what was kept and how to resume; exit status 130."""


def _scenario(path: Path, sets: list[str] | None) -> Scenario:
    from simulation.study.arms import apply_sets

    return apply_sets(load_scenario(path), sets, source=f"{path} --set")


def _atomic_write(path: Path, write) -> None:
    from simulation.study.store import atomic_write

    atomic_write(path, write)


def _check_out_dir(out: Path, names: tuple[str, ...], overwrite: bool) -> None:
    """Refuse, before any simulation, an --out that is a file or already holds these outputs."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    if not overwrite and any((out / n).exists() for n in names):
        raise UserError(f"--out {out}: already holds results; use another directory or --overwrite")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
        disable=not sys.stderr.isatty() and os.environ.get("GOVSIM_PROGRESS", "") != "1",
    )


RUN_OUTPUTS = ("metrics.parquet", "metrics.csv", "run.json")


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file, e.g. scenarios/baseline.toml")],
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same run)")] = 1,
    days: Annotated[
        int | None,
        typer.Option(min=1, max=36_500, help="Days to simulate", show_default="the scenario's days"),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a field: dotted.key=value (TOML value), repeatable; "
            "interventions.KEY.PARAM=value switches KEY on",
            show_default="none",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output directory", show_default="results/<scenario>-seed<N>")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace results already in --out")] = False,
) -> None:
    """Run one scenario; write the daily metrics (Parquet and CSV) and print a summary."""
    from simulation.metrics import METRICS
    from simulation.model import CommunityModel
    from simulation.study.provenance import provenance

    scn = _scenario(scenario, set_)
    n_days = days or scn.days
    out = out or Path("results") / f"{scenario.stem}-seed{seed}"
    _check_out_dir(out, RUN_OUTPUTS, overwrite)
    with _progress() as bar:
        # The burn-in runs while the model is built (a district's takes minutes): a bar of its own.
        spin_up = bar.add_task(f"{scn.name}: burn-in", total=scn.burn_in_days or None, visible=scn.burn_in_days > 0)
        model = CommunityModel(scenario=scn, rng=seed, progress=lambda done: bar.update(spin_up, completed=done))
        task = bar.add_task(f"{scn.name} ({model.pop.n:,} adults)", total=n_days)
        model.run_days(n_days, progress=lambda _day: bar.advance(task))
    df = model.datacollector.get_model_vars_dataframe()
    df.insert(0, "day", range(1, len(df) + 1))
    _atomic_write(out / "metrics.parquet", lambda p: df.to_parquet(p, index=False))
    _atomic_write(out / "metrics.csv", lambda p: df.to_csv(p, index=False))
    meta = {
        "scenario": str(scenario),
        "seed": seed,
        "days": n_days,
        "adults": model.pop.n,
        "provenance": provenance(scenario, set_, [seed], 1, n_days, None),
        "config": scn.model_dump(),
    }
    _atomic_write(out / "run.json", lambda p: Path(p).write_text(json.dumps(meta, indent=2, default=str)))

    tail = df.tail(min(SUMMARY_DAYS, len(df)))
    table = Table(
        title=f"{scn.name}: seed {seed}, {n_days} days, {model.pop.n:,} adults (mean of the last {len(tail)} days)"
    )
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("final", justify="right")
    table.add_column("unit")
    for name, m in METRICS.items():
        table.add_row(name, f"{tail[name].mean():.3f}", f"{df[name].iloc[-1]:.3f}", m.unit)
    console.print(table)
    console.print(f"wrote {out / 'metrics.parquet'} and {out / 'metrics.csv'}")


def _fmt_cost(r) -> str:
    """An effects row's cost per unit of improvement, or why there is none."""
    return f"- ({r.flag})" if r.flag else f"{r.cost_per_unit:,.0f} per {r.cost_unit}"


def print_effects(effects, shown: list[str], title: str) -> None:
    """One table per arm (its effects on the shown metrics), then the ranking across arms."""
    import pandas as pd

    from simulation.study.effects import ranking

    for arm in dict.fromkeys(effects["arm"]):
        sub = effects[(effects["arm"] == arm) & effects["metric"].isin(shown)].set_index("metric")
        t = Table(title=f"{arm} vs baseline: {title}")
        for col in ("metric", "baseline", "arm", "diff", "95% CI", "d", "yuan/month per unit"):
            t.add_column(col, justify="left" if col == "metric" else "right")
        for name in shown:
            if name not in sub.index:
                continue
            r = sub.loc[name]
            t.add_row(
                name,
                f"{r.baseline_mean:.4f}",
                f"{r.arm_mean:.4f}",
                f"{r['diff']:+.4f}",
                f"[{r.ci_low:+.4f}, {r.ci_high:+.4f}]",
                f"{r.effect_size:+.2f}",
                _fmt_cost(r),
            )
        console.print(t)
    ranked = ranking(effects.assign(point=effects.get("point", 0)), shown)
    t = Table(title="Arms ranked by improvement, per metric (best first)")
    for col in ("metric", "rank", "arm", "diff [95% CI]", "d", "yuan/month", "yuan/month per unit"):
        t.add_column(col, justify="left" if col in ("metric", "arm") else "right")
    last = None
    for r in ranked.itertuples(index=False):
        if last is not None and r.metric != last:
            t.add_section()
        last = r.metric
        t.add_row(
            r.metric,
            "" if pd.isna(r.rank) else str(r.rank),
            r.arm,
            f"{r.diff:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}]",
            f"{r.effect_size:+.2f}",
            f"{r.monthly_cost:,.0f}",
            _fmt_cost(r),
        )
    console.print(t)


def _execute(plan, out: Path | None, executor: str, workers: int, scheduler: str | None, overwrite: bool, what: str):
    """Run a plan with a progress bar; Ctrl-C becomes Interrupted saying what was kept."""
    import tempfile

    from simulation.study.engine import run_plan
    from simulation.study.executors import ExecutorError
    from simulation.study.store import Store

    if scheduler is not None and not scheduler.strip():
        raise UserError("--scheduler: empty; give 'local' or a Dask scheduler address such as tcp://host:8786")
    executor = "dask" if scheduler else str(executor)
    total = len(plan.points) * (len(plan.arms) + 1) * plan.reps
    with tempfile.TemporaryDirectory(prefix="govsim-") as tmp:
        store = Store(out if out is not None else tmp)
        try:
            with _progress() as bar:
                task = bar.add_task(what, total=total)
                result = run_plan(
                    plan,
                    store,
                    executor=executor,
                    workers=workers,
                    scheduler=scheduler,
                    overwrite=overwrite,
                    progress=lambda done, _total: bar.update(task, completed=done),
                )
        except KeyboardInterrupt:
            if out is None:
                raise Interrupted(
                    "interrupted: no runs kept (give --out DIR to keep finished runs and resume)"
                ) from None
            kept = len(store.done_keys() & {s.key for s in plan.specs()})
            raise Interrupted(
                f"interrupted: {kept} of {total} runs kept in {out}; run the same command again to resume"
            ) from None
        except ExecutorError as err:
            raise UserError(str(err)) from None
        warning = (store.read_manifest() or {}).get("warning")
        if warning:
            print(f"govsim: warning: {warning}", file=sys.stderr)
        if result.failed:
            where = store.failures
            if out is None:  # the temporary directory goes: keep the tracebacks
                where = Path(tempfile.mkdtemp(prefix="govsim-failures-"))
                for key, path in result.failed.items():
                    (where / f"{key}.txt").write_text(Path(path).read_text(encoding="utf-8"), encoding="utf-8")
            raise RunFailures(
                f"{len(result.failed)} of {total} runs failed (tracebacks in {where}); the finished runs are "
                + ("kept: run the same command again to retry the failed ones" if out else "not kept")
            )
    return result


class RunFailures(Exception):
    """Some runs raised: one line saying where the tracebacks are; exit status 1."""


class Executor(StrEnum):
    local = "local"
    dask = "dask"


EXECUTOR_HELP = "Where runs execute: local processes, or a Dask cluster (see --scheduler)"
SCHEDULER_HELP = "Dask scheduler address (tcp://host:8786), or 'local' to start a LocalCluster of --workers processes"


@app.command()
def compare(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file, e.g. scenarios/baseline.toml")],
    intervention: Annotated[
        list[str],
        typer.Option(
            "--intervention",
            "-i",
            help="An arm (repeatable): key, key(param=value, ...) with TOML values, or several joined by '+', "
            "e.g. 'joint_meetings(every_days=7)+whistle_report'",
        ),
    ],
    reps: Annotated[
        int, typer.Option(min=2, max=10_000, help="Replications (replication r: seed + r in every arm)")
    ] = 20,
    days: Annotated[
        int | None, typer.Option(min=1, max=36_500, help="Days per run", show_default="the scenario's days")
    ] = None,
    window: Annotated[
        int, typer.Option(min=1, max=36_500, help="Days at the end of each run whose mean is compared")
    ] = 90,
    workers: Annotated[
        int, typer.Option(min=1, max=256, help="Worker processes", show_default="the number of cores")
    ] = max(1, os.cpu_count() or 1),
    seed: Annotated[int, typer.Option(min=0, help="Seed of replication 0 (replication r uses seed + r)")] = 0,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", help="Metric to show and rank (repeatable)", show_default="a core set"),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a field of the base scenario: dotted.key=value, repeatable; "
            "interventions.KEY.PARAM=value switches KEY on in the baseline",
            show_default="none",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Keep runs and results here (runs.parquet, effects.parquet and .csv, manifest.json); "
            "the same comparison resumes",
            show_default="kept nowhere",
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace other results already in --out")] = False,
    executor: Annotated[Executor, typer.Option(help=EXECUTOR_HELP)] = Executor.local,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP, show_default="none")] = None,
    robust: Annotated[
        int,
        typer.Option(
            min=0,
            max=1000,
            help="Also rerun at this many points of parameter uncertainty (calibrated vectors not ruled out, "
            "strength draws; one seed each) and show each effect's 5-95% band over them; 0: off",
        ),
    ] = 0,
) -> None:
    """Paired baseline-vs-arm runs; prints effects with 95% confidence intervals and ranks the arms.

    Replication r runs the baseline and every arm with the same seed (common
    random numbers). Effects are on each metric's mean over the last --window days.
    With --robust N each effect also gets a band over N points of parameter
    uncertainty (docs/STUDIES.md, "Robust comparisons").
    """
    from simulation.study.arms import parse_arms
    from simulation.study.engine import Plan, choose_metrics

    scn = _scenario(scenario, set_)
    arms = parse_arms(intervention)
    shown = choose_metrics(metric, "--metric")
    n_days = days or scn.days
    if out is not None and out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    plan = Plan(
        base=scn,
        arms=arms,
        reps=reps,
        days=n_days,
        window=window,
        seed=seed,
        metrics=shown,
        scenario_file=str(scenario),
        overrides=list(set_ or []),
        source="--intervention",
    )
    result = _execute(
        plan, out, executor, workers, scheduler, overwrite, f"{len(arms)} arm(s) x {reps} reps, {n_days} days"
    )
    if out:
        _atomic_write(out / "effects.csv", lambda p: result.effects.to_csv(p, index=False))
    print_effects(result.effects, shown, f"{reps} paired reps, {n_days} days, mean of the last {plan.window} days")
    if out:
        console.print(f"wrote {out / 'runs.parquet'}, {out / 'effects.parquet'} and {out / 'effects.csv'}")
    if robust:
        _compare_robust(
            scn,
            arms,
            robust,
            n_days,
            plan.window,
            seed,
            shown,
            result.effects,
            out,
            executor,
            workers,
            scheduler,
            overwrite,
        )


def _compare_robust(scn, arms, n, days, window, seed, shown, effects, out, executor, workers, scheduler, overwrite):
    """Rerun the comparison at n points of parameter uncertainty; print the seed CI beside the parameter band."""
    from simulation.study.robust import bands, robust_plan

    try:
        plan = robust_plan(scn, arms, n, days, window, seed, shown)
    except ValueError as err:
        raise UserError(f"--robust: {err}") from None
    result = _execute(
        plan,
        out / "robust" if out else None,
        executor,
        workers,
        scheduler,
        overwrite,
        f"robust: {n} parameter points x {len(arms) + 1} arms",
    )
    b = bands(result.effects)
    if out:
        _atomic_write(out / "robust" / "bands.csv", lambda p: b.to_csv(p, index=False))
    merged = effects.merge(b, on=["arm", "metric"])
    t = Table(title=f"Effects with parameter uncertainty: seed-paired 95% CI and the 5-95% band over {n} points")
    for col in ("arm", "metric", "diff [95% CI]", "band over parameters", "above 0"):
        t.add_column(col, justify="left" if col in ("arm", "metric") else "right")
    for r in merged[merged.metric.isin(shown)].itertuples(index=False):
        t.add_row(
            r.arm,
            r.metric,
            f"{r.diff:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}]",
            f"[{r.band_low:+.4f}, {r.band_high:+.4f}]",
            f"{r.share_positive:.0%}",
        )
    console.print(t)


@app.command()
def study(
    study_file: Annotated[Path, typer.Argument(metavar="STUDY", help="Study TOML file (see docs/STUDIES.md)")],
    executor: Annotated[Executor, typer.Option(help=EXECUTOR_HELP)] = Executor.local,
    workers: Annotated[
        int, typer.Option(min=1, max=1024, help="Worker processes", show_default="the number of cores")
    ] = max(1, os.cpu_count() or 1),
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP, show_default="none")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Results directory", show_default="results/<study file name>")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace other results already in --out")] = False,
) -> None:
    """Run a study: design points x arms x replications; resumable (the same command skips finished runs).

    Writes runs.parquet, effects.parquet, sensitivity.parquet (with a design)
    and manifest.json; `govsim report DIR` turns them into report.html.
    """
    from simulation.study.load import load_study

    plan = load_study(study_file)
    out = out or Path("results") / study_file.stem
    what = f"{plan.name}: {len(plan.points)} point(s) x {len(plan.arms) + 1} arms x {plan.reps} reps, {plan.days} days"
    result = _execute(plan, out, executor, workers, scheduler, overwrite, what)
    title = f"{plan.reps} paired reps, {plan.days} days, mean of the last {plan.window} days"
    if len(plan.points) == 1:
        print_effects(result.effects, plan.metrics, title)
    console.print(
        f"{result.planned} runs in {out}: runs.parquet, effects.parquet"
        + (", sensitivity.parquet" if plan.design.method != "none" else "")
        + f"; next: govsim report {out}"
    )


@app.command()
def report(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Results directory of govsim study or compare --out")
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="HTML file to write (DIR/report.html is always rewritten)", show_default="DIR/report.html"),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file")] = False,
) -> None:
    """Write one self-contained HTML report (plotly figures and tables, no network needed)."""
    from simulation.study.report import write_report

    if out is not None and out.exists() and (out.is_dir() or not overwrite):
        raise UserError(f"--out {out}: exists; name a new file" + ("" if out.is_dir() else " or add --overwrite"))

    path = write_report(directory, out)
    console.print(f"wrote {path}")


@app.command()
def describe(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file", show_default="the built-in baseline")
    ] = None,
) -> None:
    """Print the daily phases in order, the interventions, the metrics and the scenario's parameters."""
    from simulation.interventions import INTERVENTIONS
    from simulation.metrics import METRICS
    from simulation.phases import PHASES

    scn = load_scenario(scenario) if scenario else Scenario()
    t = Table(title="Daily phases, in order (one step = one day)")
    for col in ("#", "phase", "switch", "what happens"):
        t.add_column(col)
    for i, ph in enumerate(PHASES, 1):
        t.add_row(str(i), ph.name, f"drivers.{ph.driver}" if ph.driver else "always", ph.description)
    console.print(t)
    from simulation.state import ALL

    t = Table(title="State arrays and who writes them (phases; set-up includes switching an intervention on)")
    for col in ("array", "per", "dtype", "range", "written by", "what"):
        t.add_column(col)
    for v in ALL:
        rng = f"{v.low:g}..{v.high:g}"
        t.add_row(f"{v.owner}.{v.name}", v.per, np.dtype(v.dtype).name, rng, ", ".join(v.writers), v.description)
    console.print(t)
    t = Table(title="Interventions")
    for col in ("key", "title", "paper", "staff h/month", "money/month"):
        t.add_column(col)
    for key, cls in sorted(INTERVENTIONS.items()):
        c = cls.cost()
        t.add_row(
            key, f"{cls.title['en']} / {cls.title['zh']}", cls.paper_section, f"{c['staff_hours']:g}", f"{c['money']:g}"
        )
    if not INTERVENTIONS:
        t.add_row("(none registered yet)", "", "", "", "")
    console.print(t)
    t = Table(title="Metrics (measured daily)")
    for col in ("name", "unit", "description"):
        t.add_column(col)
    for m in METRICS.values():
        t.add_row(m.name, m.unit, m.description)
    console.print(t)
    t = Table(title=f"Parameters of scenario {scn.name!r}")
    t.add_column("field")
    t.add_column("value")
    for key, value in _flatten(scn.model_dump()):
        t.add_row(key, json.dumps(value, ensure_ascii=False, default=str))
    console.print(t)


@app.command("app")
def app_command(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Archetype name (e.g. stranger_community) or scenario TOML file [default: baseline]"),
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65_535, help="Port to listen on")] = 8765,
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only)")] = "127.0.0.1",
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Random seed of both communities")] = 1,
) -> None:
    """The trainer's app in the browser: baseline and remedies side by side, zh/en, works offline."""
    from simulation.app.archetypes import resolve, scenario_dir
    from simulation.app.server import serve

    given = Path(scenario) if scenario else None
    folder = scenario_dir(given)
    resolve(scenario, folder)  # a bad name or file stops here, before the server starts
    _check_port(host, port)
    # The page's first community would otherwise wait for the compiler on a fresh install.
    from simulation.study.runner import load_kernels

    load_saying_why(load_kernels, "govsim app")
    serve(scenario, seed, host, port, folder=str(folder) if folder else None)


COMPILING_NOTE = (
    "compiling the model's kernels: the first start after installing takes about a minute; later starts reuse them"
)


def load_saying_why(load, who: str, after_s: float = 2.0) -> None:
    """Call ``load()`` (the kernels' first calls: about 0.5 s once compiled, about a minute on a fresh install,
    when numba compiles them); if it takes longer than ``after_s`` seconds, say on stderr why, and when it is
    done, so that the wait is not taken for a hang."""
    import threading
    import time

    start, said = time.monotonic(), threading.Event()

    def note() -> None:
        said.set()
        print(f"{who}: {COMPILING_NOTE} ...", file=sys.stderr, flush=True)

    timer = threading.Timer(after_s, note)
    timer.daemon = True
    timer.start()
    try:
        load()
    finally:
        timer.cancel()
    if said.is_set():
        print(f"{who}: kernels ready ({time.monotonic() - start:.0f} s)", file=sys.stderr, flush=True)


def _check_port(host: str, port: int) -> None:
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UserError(f"--host {host!r}: not an address of this machine") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as err:
            raise UserError(f"--port {port}: cannot listen on {host}:{port} ({err.strerror})") from None


def _flatten(data, prefix: str = ""):
    if isinstance(data, dict) and data:
        for k, v in data.items():
            yield from _flatten(v, f"{prefix}{k}.")
    elif isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        for i, v in enumerate(data):
            yield from _flatten(v, f"{prefix}{i}.")
    else:
        yield prefix.rstrip("."), data


def _save_traceback() -> Path:
    """Write the current exception's traceback to a file; its path."""
    import datetime as dt
    import traceback

    folder = Path(tempfile.gettempdir())
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"govsim-error-{stamp}-{os.getpid()}.txt"
    path.write_text(traceback.format_exc(), encoding="utf-8")
    return path


@app.command()
def reproduce(
    experiment: Annotated[
        str | None, typer.Argument(metavar="EXPERIMENT", help="Experiment id, e.g. E03 (see --list)")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the experiments and exit")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Rerun every experiment")] = False,
    quick: Annotated[bool, typer.Option(help="Fewer replications and days (a classroom's minutes)")] = False,
    update_expected: Annotated[
        bool, typer.Option(help="Store this rerun's numbers as the expected ones (full or quick)")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=1024, help="Worker processes", show_default="the number of cores")
    ] = max(1, os.cpu_count() or 1),
    out: Annotated[Path, typer.Option(help="Where reruns write their results")] = Path("results") / "reproduce",
    experiments_dir: Annotated[
        Path | None,
        typer.Option(
            "--experiments", help="Folder holding the experiments", show_default="the repository's experiments/"
        ),
    ] = None,
) -> None:
    """Rerun an experiment of experiments/ and check it against its expected.json.

    Prints expected / got / within for every stored number and exits 0 only if
    all are within their tolerance (1 if one is off). Results go to
    OUT/<id>[-quick]/ with report.html and reproduce.json; the stored numbers
    change only with --update-expected.
    """
    from simulation.study import reproduce as rp

    root = experiments_dir or rp.EXPERIMENTS
    if not root.is_dir():
        raise UserError(f"--experiments {root}: not a folder")
    known = rp.experiments(root)
    if list_:
        t = Table(title="Experiments (govsim reproduce ID [--quick])")
        for col in ("id", "title", "stored numbers"):
            t.add_column(col)
        for e in known:
            stored = json.loads(e.expected.read_text()) if e.expected.is_file() else {}
            t.add_row(e.id, e.title, ", ".join(k for k in ("full", "quick") if k in stored) or "none yet")
        console.print(t)
        return
    if all_ == (experiment is not None):
        raise UserError("reproduce: name one EXPERIMENT or give --all (see --list)")
    chosen = known if all_ else [rp.find(experiment, root)]
    failed = []
    for exp in chosen:
        with _progress() as bar:
            task = bar.add_task(f"{exp.id}{' (quick)' if quick else ''}", total=None)
            table, where, seconds = rp.run(
                exp,
                quick=quick,
                update=update_expected,
                workers=workers,
                out_root=out,
                progress=lambda done, total, task=task: bar.update(task, completed=done, total=total),
            )
        t = Table(title=f"{exp.title or exp.id} ({'quick' if quick else 'full'}, {seconds:.0f} s): expected vs got")
        for col in ("scenario", "arm", "metric", "expected", "got", "tolerance", "within"):
            t.add_column(col, justify="left" if col in ("scenario", "arm", "metric") else "right")
        for r in table.itertuples(index=False):
            t.add_row(
                r.scenario,
                r.arm,
                r.metric,
                f"{r.expected:+.4f}",
                f"{r.got:+.4f}",
                f"{r.tolerance:.4f}",
                "yes" if r.within else "[red]NO[/red]",
            )
        console.print(t)
        off = int((~table["within"]).sum())
        console.print(f"{exp.id}: {len(table) - off}/{len(table)} within; results in {where}")
        if off:
            failed.append(exp.id)
    if failed:
        raise RunFailures(f"reproduce: numbers off in {', '.join(failed)} (tables above)")


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and exit status 2."""
    try:
        app(standalone_mode=False)
    except (ScenarioError, UserError) as err:
        print(f"govsim: error: {err}", file=sys.stderr)
        sys.exit(2)
    except Interrupted as err:
        print(f"govsim: {err}", file=sys.stderr)
        sys.exit(130)
    except RunFailures as err:
        print(f"govsim: {err}", file=sys.stderr)
        sys.exit(1)
    except (typer.Exit, SystemExit) as ex:
        code = getattr(ex, "exit_code", getattr(ex, "code", 0))
        sys.exit(code)
    except (typer.Abort, KeyboardInterrupt):
        print("govsim: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:
        # Usage errors of typer's (vendored) click arrive here in non-standalone mode.
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):
            param = getattr(err, "param", None)
            where = f"{'/'.join(param.opts)}: " if param is not None and getattr(param, "opts", None) else ""
            print(f"govsim: error: {where}{err.format_message()}", file=sys.stderr)
            sys.exit(2)
        path = _save_traceback()
        print(f"govsim: internal error: {type(err).__name__}: {err} (full traceback in {path})", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
