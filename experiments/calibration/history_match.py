"""History matching of the baseline's behavioural parameters (C) to the fitted patterns of docs/ODD.md §1.

Method (Vernon, Goldstein and Bower 2010; Andrianakis et al. 2015): wave 1 is
a Latin hypercube over the prior box of the free parameters; every point is
run ``--reps`` times (fitting seeds 1000, 1001, ...; common to all points)
and its implausibility is computed for every fitted pattern
(``simulation.patterns``); points whose largest implausibility exceeds 3 are
ruled out. After each wave an emulator of every pattern is fitted to all
runs so far (a quadratic in the parameters without interactions, on the
logit scale, least squares with a small ridge; its error is the 10-fold
cross-validated RMSE, reported). The emulators screen 200,000 random
candidates of the prior box; the next wave runs a random choice of the
candidates they do not rule out (implausibility with the emulator's error
added), which refocuses the search on the space not ruled out. The result is
the set of simulated points not ruled out (NROY) over all waves, not one
point: its spread per parameter shows what the patterns pin down
(identifiability), and it is the parameter uncertainty the robustness study
carries forward. The baseline's defaults are checked against the same rule
and kept if not ruled out; ``tests/validation/test_calibration.py`` checks
them on held-out seeds.

Every wave is a study (``waves/wave<k>/study.toml``) run by the study
engine, so it resumes after an interruption and runs unchanged on a Dask
cluster (``--executor dask --scheduler ADDRESS``)::

    python experiments/calibration/history_match.py [--waves 2] [--points 120] [--reps 2] [--workers 2]

It only reports: copying the point of record into ``simulation/scenario.py``
and ``scenarios/baseline.toml`` is a deliberate, reviewed step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.patterns import CUTOFF, FITTED, HELD_OUT, MEASURE_DAYS, PATTERNS, implausibility
from simulation.study.store import Store, write_json

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parent.parent / "scenarios" / "baseline.toml"
# The behavioural parameters marked (C), and their prior box (log-odds weights, rates, shares).
PRIOR = {
    "governance.vote_base": (-6.0, -2.0),
    "governance.interest_weight": (1.0, 7.0),
    "governance.free_time_weight": (0.0, 4.0),
    "governance.party_weight": (0.0, 1.5),
    "governance.base": (-7.0, -4.0),
    "governance.mobilisation_weight": (0.0, 3.0),
    "network.building_ties": (0.3, 3.5),
    "network.meeting_rate": (0.003, 0.05),
    "activities.base": (-9.0, -5.0),
    "activities.free_time_weight": (1.0, 4.0),
    "population.groups.young.public_affairs_interest": (0.0, 0.45),
    "population.groups.middle.public_affairs_interest": (0.2, 0.6),
}
FIT_SEED = 1000


def study_text(wave: int, design: str, reps: int, directory: Path) -> str:
    scenario = Path(os.path.relpath(BASELINE, directory)).as_posix()
    metrics = ", ".join(f'"{p.name}"' for p in PATTERNS)
    return f"""# History matching, wave {wave} (written by experiments/calibration/history_match.py).
name = "calibration-wave-{wave}"
scenarios = ["{scenario}"]
arms = []
reps = {reps}
days = {MEASURE_DAYS}
window = {MEASURE_DAYS}        # the year after burn-in; turnouts are read at its election (day 300)
seed = {FIT_SEED}
metrics = [{metrics}]
[set]
"governance.election_day" = 300
[design]
{design}"""


def lhs_design(wave: int, points: int) -> str:
    params = "\n".join(f'"{k}" = [{lo:.6g}, {hi:.6g}]' for k, (lo, hi) in PRIOR.items())
    return f"""kind = "lhs"
samples = {points}
seed = {wave}
[design.parameters]
{params}
"""


def table_design() -> str:
    return 'kind = "table"\nfile = "points.csv"   # candidates the emulators did not rule out\n'


class Emulator:
    """Per pattern: a quadratic without interactions on the logit scale, fitted by ridge least squares.

    ``rmse`` is the 10-fold cross-validated error on the share scale; ``r2``
    the cross-validated share of variance explained.
    """

    RIDGE = 1e-2

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.lo = np.array([PRIOR[k][0] for k in PRIOR])
        self.hi = np.array([PRIOR[k][1] for k in PRIOR])
        f, z = self._features(x), self._logit(y)
        folds = np.arange(len(y)) % 10
        pred = np.empty(len(y))
        for k in range(10):
            train = folds != k
            pred[~train] = self._features(x[~train]) @ self._solve(f[train], z[train])
        err = 1 / (1 + np.exp(-pred)) - y
        self.rmse = float(np.sqrt(np.mean(err**2)))
        self.r2 = float(1 - np.mean(err**2) / np.var(y))
        self.coef = self._solve(f, z)

    def _features(self, x: np.ndarray) -> np.ndarray:
        u = (x - self.lo) / (self.hi - self.lo)
        return np.column_stack([np.ones(len(u)), u, u**2])

    @staticmethod
    def _logit(y: np.ndarray) -> np.ndarray:
        y = np.clip(y, 1e-3, 1 - 1e-3)
        return np.log(y / (1 - y))

    def _solve(self, f: np.ndarray, z: np.ndarray) -> np.ndarray:
        return np.linalg.solve(f.T @ f + self.RIDGE * np.eye(f.shape[1]), f.T @ z)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(self._features(x) @ self.coef)))


def screen(scored: pd.DataFrame, names: list[str], n: int, seed: int) -> tuple[pd.DataFrame, dict, int]:
    """Candidates of the prior box the emulators do not rule out: ``n`` of them, the emulators, how many passed."""
    x = scored[names].to_numpy(float)
    emulators = {p.name: Emulator(x, scored[p.name].to_numpy(float)) for p in FITTED}
    rng = np.random.default_rng(seed)
    lo = np.array([PRIOR[k][0] for k in names])
    hi = np.array([PRIOR[k][1] for k in names])
    cand = lo + rng.random((200_000, len(names))) * (hi - lo)
    worst = np.zeros(len(cand))
    for p in FITTED:
        em = emulators[p.name]
        sd = np.sqrt((p.tolerance / CUTOFF) ** 2 + em.rmse**2)
        worst = np.maximum(worst, np.abs(em.predict(cand) - p.target) / sd)
    kept = cand[worst <= CUTOFF]
    pick = kept[rng.choice(len(kept), size=min(n, len(kept)), replace=False)] if len(kept) else kept
    info = {k: {"cv_rmse": round(e.rmse, 4), "cv_r2": round(e.r2, 3)} for k, e in emulators.items()}
    return pd.DataFrame(np.round(pick, 5), columns=names), info, int(len(kept))


def run_wave(directory: Path, executor: str, workers: int, scheduler: str | None) -> pd.DataFrame:
    """Run (or resume) the wave's study; its runs joined with the design's parameter values."""
    from simulation.study.engine import run_plan
    from simulation.study.load import load_study

    plan = load_study(directory / "study.toml")
    t0 = time.time()

    def progress(done: int, total: int) -> None:
        if done == total or done % 20 == 0:
            print(f"  {directory.name}: {done}/{total} runs, {time.time() - t0:.0f} s", file=sys.stderr)

    outcome = run_plan(
        plan, Store(directory / "runs"), executor=executor, workers=workers, scheduler=scheduler, progress=progress
    )
    if outcome.failed:
        raise SystemExit(f"{directory}: {len(outcome.failed)} runs failed; see {directory / 'runs'}/failures")
    runs = pd.read_parquet(directory / "runs" / "runs.parquet")
    return runs.merge(plan.points, on="point")


def score(runs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """One row per point: parameter values, pattern means, and the implausibility of each pattern."""
    rows = []
    for point, g in runs.groupby("point"):
        row = {"point": point, **{k: float(g[k].iloc[0]) for k in names}}
        for p in PATTERNS:
            x = g[p.name].to_numpy(float)
            var_mean = float(x.var(ddof=1) / len(x)) if len(x) > 1 else 0.0
            row[p.name] = float(x.mean())
            row[f"I_{p.name}"] = implausibility(p, float(x.mean()), var_mean)
        row["I_max"] = max(row[f"I_{p.name}"] for p in FITTED)
        rows.append(row)
    return pd.DataFrame(rows)


def identifiability(nroy: pd.DataFrame, names: list[str]) -> dict[str, dict[str, float]]:
    """Per parameter: prior box, NROY range and sd, and the share of the prior width the patterns rule out."""
    out = {}
    for k in names:
        lo, hi = PRIOR[k]
        x = nroy[k].to_numpy(float)
        uniform_sd = (hi - lo) / np.sqrt(12)
        out[k] = {
            "prior": [lo, hi],
            "nroy_min": float(x.min()),
            "nroy_max": float(x.max()),
            "nroy_mean": float(x.mean()),
            "nroy_sd": float(x.std(ddof=1)) if len(x) > 1 else 0.0,
            # 1 - sd(NROY)/sd(uniform prior): 0 = not pinned at all, 1 = pinned to a point.
            "sd_reduction": float(1 - x.std(ddof=1) / uniform_sd) if len(x) > 1 else float("nan"),
        }
    return out


def check_defaults(names: list[str], reps: int) -> dict:
    """The baseline's (C) values, run on the fitting seeds and scored like every design point."""
    from simulation.patterns import run_patterns, summarise
    from simulation.scenario import Scenario

    scn = Scenario()
    values = {k: float(scn.value_at(k)) for k in names}
    summary = summarise(run_patterns(scn, FIT_SEED + r) for r in range(reps))
    worst = max(summary[p.name]["implausibility"] for p in FITTED)
    return {
        "values": values,
        "patterns": {
            k: {"mean": round(v["mean"], 4), "implausibility": round(v["implausibility"], 3)}
            for k, v in summary.items()
        },
        "I_max": round(worst, 3),
        "not_ruled_out": bool(worst <= CUTOFF),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--waves", type=int, default=2, help="waves of refocusing (default 2)")
    ap.add_argument("--points", type=int, default=120, help="Latin-hypercube points per wave (default 120)")
    ap.add_argument("--reps", type=int, default=2, help="replications per point, fitting seeds 1000.. (default 2)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--executor", choices=["local", "dask"], default="local")
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address (with --executor dask)")
    ap.add_argument("--out", type=Path, default=HERE / "waves", help="where the waves' studies and runs go")
    args = ap.parse_args()
    if args.waves < 1 or args.points < 2 or args.reps < 2:
        ap.error("--waves >= 1, --points >= 2 and --reps >= 2 are needed")

    names = list(PRIOR)
    scored, history = [], []
    t0 = time.time()
    for wave in range(1, args.waves + 1):
        directory = args.out / f"wave{wave}"
        directory.mkdir(parents=True, exist_ok=True)
        entry: dict = {"wave": wave}
        if wave == 1:
            design = lhs_design(wave, args.points)
            entry["design"] = "Latin hypercube over the prior box"
        else:
            table, emulators, passed = screen(pd.concat(scored, ignore_index=True), names, args.points, seed=wave)
            if table.empty:
                print(f"wave {wave}: the emulators rule out every candidate; stopping", file=sys.stderr)
                break
            table.to_csv(directory / "points.csv", index=False)
            design = table_design()
            entry |= {
                "design": "candidates not ruled out by the emulators",
                "emulators": emulators,
                "candidates_not_ruled_out": f"{passed} of 200000",
            }
        text = study_text(wave, design, args.reps, directory)
        study = directory / "study.toml"
        if not study.exists() or study.read_text() != text:
            study.write_text(text)
        print(f"wave {wave}: running {args.reps} reps per point", file=sys.stderr)
        s = score(run_wave(directory, args.executor, args.workers, args.scheduler), names).assign(wave=wave)
        scored.append(s)
        entry |= {"points": len(s), "nroy": int((s.I_max <= CUTOFF).sum())}
        history.append(entry)
        print(f"wave {wave}: {entry['nroy']}/{len(s)} points not ruled out", file=sys.stderr)

    everything = pd.concat(scored, ignore_index=True)
    everything.to_csv(args.out / "points.csv", index=False)
    nroy = everything[everything.I_max <= CUTOFF].sort_values("I_max")
    best = nroy.iloc[0] if len(nroy) else everything.sort_values("I_max").iloc[0]
    defaults = check_defaults(names, args.reps)
    holdouts = {
        p.name: {
            "target": p.target,
            "tolerance": p.tolerance,
            "nroy_mean": float(nroy[p.name].mean()) if len(nroy) else None,
            "nroy_range": [float(nroy[p.name].min()), float(nroy[p.name].max())] if len(nroy) else None,
            "nroy_share_within_tolerance": float((nroy[f"I_{p.name}"] <= CUTOFF).mean()) if len(nroy) else None,
        }
        for p in HELD_OUT
    }
    result = {
        "method": "history matching: waves through the study engine (wave 1 a Latin hypercube, later waves "
        "candidates not ruled out by emulators), implausibility cut-off 3 on every fitted pattern (tolerance = "
        "3 sd of model-data discrepancy, plus the variance of the mean over reps)",
        "defaults": defaults,
        "holdouts_over_nroy": holdouts,
        "fitted_patterns": [p.name for p in FITTED],
        "holdout_patterns": [p.name for p in HELD_OUT],
        "fitting_seeds": list(range(FIT_SEED, FIT_SEED + args.reps)),
        "waves": history,
        "runs": int(len(everything) * args.reps),
        "seconds": round(time.time() - t0, 1),
        "nroy_points": int(len(nroy)),
        "point_of_record": {k: round(float(best[k]), 4) for k in names},
        "point_of_record_I_max": float(best["I_max"]),
        "identifiability": identifiability(nroy, names) if len(nroy) > 1 else {},
        "nroy": [
            {k: round(float(r[k]), 4) for k in names} | {"I_max": round(float(r["I_max"]), 3)}
            for _, r in nroy.iterrows()
        ],
    }
    write_json(args.out.parent / "result.json", result)
    print(
        json.dumps(
            {k: result[k] for k in ("waves", "nroy_points", "point_of_record", "point_of_record_I_max")}, indent=1
        )
    )


if __name__ == "__main__":
    main()
