"""The ``govsim`` command line (also ``python -m simulation``).

User mistakes (a bad scenario file, field or flag) print one line to stderr
naming the input and exit with status 2; no traceback.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from simulation.scenario import Scenario, ScenarioError, load_scenario, parse_override

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


def _scenario(path: Path, sets: list[str] | None) -> Scenario:
    scn = load_scenario(path)
    if sets:
        changes = dict(parse_override(s) for s in sets)
        scn = scn.override(changes, source=f"{path} --set")
    return scn


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same directory, then rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file, e.g. scenarios/baseline.toml")],
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same run)")] = 1,
    days: Annotated[
        int | None, typer.Option(min=1, max=36_500, help="Days to simulate [default: the scenario's days]")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field: dotted.key=value (TOML value), repeatable"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output directory [default: results/<scenario>-seed<N>]")] = None,
) -> None:
    """Run one scenario; write the daily metrics (Parquet and CSV) and print a summary."""
    from simulation.metrics import METRICS
    from simulation.model import CommunityModel

    scn = _scenario(scenario, set_)
    n_days = days or scn.days
    out = out or Path("results") / f"{scenario.stem}-seed{seed}"
    model = CommunityModel(scenario=scn, rng=seed)
    with _progress() as bar:
        task = bar.add_task(f"{scn.name} ({model.pop.n:,} adults)", total=n_days)
        model.run_days(n_days, progress=lambda _day: bar.advance(task))
    df = model.datacollector.get_model_vars_dataframe()
    df.insert(0, "day", range(1, len(df) + 1))
    _atomic_write(out / "metrics.parquet", lambda p: df.to_parquet(p, index=False))
    _atomic_write(out / "metrics.csv", lambda p: df.to_csv(p, index=False))
    meta = {"scenario": str(scenario), "seed": seed, "days": n_days, "adults": model.pop.n, "config": scn.model_dump()}
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


DEFAULT_COMPARE_METRICS = (
    "participation_rate",
    "participation_rate_young",
    "participation_rate_elderly",
    "governance_participation_rate",
    "trust_community",
    "trust_government",
    "trust_neighbours",
    "issue_resolution_rate",
    "issue_resolution_days",
    "isolated_share",
    "resource_utilization",
)


@app.command()
def compare(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file, e.g. scenarios/baseline.toml")],
    intervention: Annotated[
        list[str],
        typer.Option("--intervention", "-i", help="An arm: an intervention key, or keys joined by '+' (repeatable)"),
    ],
    reps: Annotated[int, typer.Option(min=2, max=10_000, help="Replications (paired seeds)")] = 20,
    days: Annotated[
        int | None, typer.Option(min=1, max=36_500, help="Days per run [default: the scenario's days]")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Local worker processes")] = max(1, os.cpu_count() or 1),
    seed: Annotated[int, typer.Option(min=0, help="Seed of replication 0 (replication r uses seed + r)")] = 0,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", "-m", help="Metric to show (repeatable) [default: a core set]")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a field: dotted.key=value, repeatable")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the full effects table (Parquet and CSV) here")] = None,
) -> None:
    """Paired baseline-vs-arm runs; prints mean differences with 95% confidence intervals.

    Replication r runs the baseline and every arm with the same seed (common
    random numbers). Effects are on each metric's mean over the last 90 days.
    """
    from simulation.metrics import METRICS
    from simulation.study.compare import arm_scenario
    from simulation.study.compare import compare as run_compare

    scn = _scenario(scenario, set_)
    for arm in intervention:
        arm_scenario(scn, arm)  # validates keys before any run starts
    shown = metric or list(DEFAULT_COMPARE_METRICS)
    bad = [m for m in shown if m not in METRICS]
    if bad:
        raise UserError(f"--metric {bad[0]!r}: unknown metric (see govsim describe)")
    n_days = days or scn.days
    with _progress() as bar:
        task = bar.add_task(
            f"{len(intervention)} arm(s) x {reps} reps, {n_days} days", total=(len(intervention) + 1) * reps
        )
        table = run_compare(
            scn,
            intervention,
            reps=reps,
            days=n_days,
            workers=workers,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    if out:
        _atomic_write(out / "effects.parquet", lambda p: table.to_parquet(p, index=False))
        _atomic_write(out / "effects.csv", lambda p: table.to_csv(p, index=False))
    for arm in dict.fromkeys(intervention):
        sub = table[(table["arm"] == arm) & table["metric"].isin(shown)].set_index("metric").loc[shown]
        t = Table(title=f"{arm} vs baseline: {reps} paired reps, {n_days} days, mean of the last 90 days")
        for col in ("metric", "baseline", "arm", "diff", "95% CI", "d", "yuan/month per unit"):
            t.add_column(col, justify="left" if col == "metric" else "right")
        for name, r in sub.iterrows():
            t.add_row(
                name,
                f"{r.baseline_mean:.4f}",
                f"{r.arm_mean:.4f}",
                f"{r['diff']:+.4f}",
                f"[{r.ci_low:+.4f}, {r.ci_high:+.4f}]",
                f"{r.effect_size:+.2f}",
                f"{r.cost_per_unit:,.0f}",
            )
        console.print(t)
    if out:
        console.print(f"wrote {out / 'effects.parquet'} and {out / 'effects.csv'}")


@app.command()
def describe(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario TOML file [default: built-in baseline]")] = None,
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
        c = cls.monthly_cost
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
    serve(scenario, seed, host, port, folder=str(folder) if folder else None)


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


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and exit status 2."""
    try:
        app(standalone_mode=False)
    except ScenarioError as err:
        print(f"govsim: error: {err}", file=sys.stderr)
        sys.exit(2)
    except UserError as err:
        print(f"govsim: error: {err}", file=sys.stderr)
        sys.exit(2)
    except (typer.Exit, SystemExit) as ex:
        code = getattr(ex, "exit_code", getattr(ex, "code", 0))
        sys.exit(code)
    except typer.Abort:
        print("govsim: aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:
        # Usage errors of typer's (vendored) click arrive here in non-standalone mode.
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):
            param = getattr(err, "param", None)
            where = f"{'/'.join(param.opts)}: " if param is not None and getattr(param, "opts", None) else ""
            print(f"govsim: error: {where}{err.format_message()}", file=sys.stderr)
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()
