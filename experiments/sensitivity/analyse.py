"""Analyse the sensitivity studies of the remedies' effects (experiments/sensitivity/README.md).

    python experiments/sensitivity/analyse.py morris      # tables of the Morris screening (morris/runs)
    python experiments/sensitivity/analyse.py make-sobol  # the surrogate design over the groups that matter
    govsim study experiments/sensitivity/sobol/study.toml --out experiments/sensitivity/sobol/runs --workers 2
    python experiments/sensitivity/analyse.py sobol       # surrogate fit, its validation, Sobol indices

Sobol stage: the few model groups that matter most (by the screening) and
each remedy's own strength are the factors; a factor u in [0, 1] puts every
parameter of its group at the same quantile of its range. A Latin hypercube
of points runs every remedy; for each remedy and outcome a quadratic
surrogate of the effect in (its model factors, its own strength) is fitted
by least squares, validated by 10-fold cross-validation, and its first and
total Sobol indices computed with SALib on 2^13 base samples (Saltelli
design), with SALib's bootstrap intervals; a second interval refits the
surrogate on bootstrap resamples of the runs (surrogate uncertainty).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.interventions import INTERVENTIONS
from simulation.scenario import Scenario
from simulation.study.arms import is_int_field
from simulation.uncertainty import model_factors, strength_ranges

HERE = Path(__file__).resolve().parent
OUTCOMES = ["participation_rate", "trust_government", "service_satisfaction"]
TOP_PER_OUTCOME = 2
SOBOL_POINTS = 96


def morris_table() -> pd.DataFrame:
    s = pd.read_parquet(HERE / "morris" / "runs" / "sensitivity.parquet")
    s = s[(s.quantity == "effect") & (s.metric.isin(OUTCOMES))]
    wide = s.pivot_table(index=["arm", "metric", "parameter"], columns="index", values="value").reset_index()
    ci = s[s["index"] == "mu_star"].set_index(["arm", "metric", "parameter"])[["ci_low", "ci_high"]]
    return wide.join(ci, on=["arm", "metric", "parameter"])


def groups_that_matter(table: pd.DataFrame) -> pd.DataFrame:
    """Per model group: in how many (remedy, outcome) effects it is among the three largest mu* (own strength aside)."""
    model = table[~table.parameter.str.startswith("strength: ")]
    counts: dict[str, int] = {}
    share: dict[str, list[float]] = {}
    for (_arm, _metric), g in model.groupby(["arm", "metric"]):
        top = g.sort_values("mu_star", ascending=False)
        total = float(top.mu_star.sum()) or 1.0
        for name in top.parameter.head(3):
            counts[name] = counts.get(name, 0) + 1
        for name, v in zip(top.parameter, top.mu_star, strict=True):
            share.setdefault(name, []).append(v / total)
    out = pd.DataFrame({"top3_count": pd.Series(counts), "mean_share_of_mu_star": pd.Series(share).map(np.mean)})
    return out.fillna(0).sort_values(["top3_count", "mean_share_of_mu_star"], ascending=False)


def morris() -> None:
    table = morris_table()
    ranked = groups_that_matter(table)
    lines = [
        "Groups ranked by how often they are among the three largest mu* of a remedy's effect "
        f"(14 remedies x {len(OUTCOMES)} outcomes; the remedy's own strength aside):",
        "",
        "| group | top-3 count | mean share of mu* |",
        "|---|---|---|",
    ]
    lines += [f"| {g} | {int(r.top3_count)} | {r.mean_share_of_mu_star:.3f} |" for g, r in ranked.iterrows()]
    for metric in OUTCOMES:
        lines += ["", f"**mu* of the effect on {metric}** (top five inputs per remedy; 95% bootstrap interval)", ""]
        lines += ["| remedy | inputs with the largest mu* |", "|---|---|"]
        for arm, g in table[table.metric == metric].groupby("arm"):
            top = g.sort_values("mu_star", ascending=False).head(5)
            cells = "; ".join(
                f"{r.parameter} {r.mu_star:.4f} [{r.ci_low:.4f}, {r.ci_high:.4f}]" for r in top.itertuples(index=False)
            )
            lines.append(f"| {arm} | {cells} |")
    (HERE / "morris" / "result.md").write_text("\n".join(lines) + "\n")
    heatmap(table)
    ranked.to_csv(HERE / "morris" / "groups_ranked.csv")
    print("\n".join(lines[:25]))


def heatmap(table: pd.DataFrame) -> None:
    """mu* of each input for each remedy's effect, as a share of that effect's largest mu*, one panel per outcome."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(OUTCOMES), subplot_titles=OUTCOMES, shared_yaxes=True)
    for j, metric in enumerate(OUTCOMES, 1):
        t = table[table.metric == metric].copy()
        t["parameter"] = t.parameter.where(~t.parameter.str.startswith("strength: "), "own strength")
        wide = t.pivot_table(index="parameter", columns="arm", values="mu_star", aggfunc="max")
        wide = wide / wide.max()
        fig.add_trace(
            go.Heatmap(z=wide.to_numpy(), x=list(wide.columns), y=list(wide.index), coloraxis="coloraxis"), row=1, col=j
        )
    fig.update_layout(
        title="Morris mu* of each remedy's effect, as a share of its largest (strength: the remedy's own parameters)",
        coloraxis={"colorscale": "Blues"},
        width=1500,
        height=700,
        margin={"l": 220},
    )
    fig.write_image(HERE / "morris" / "mu_star.png")


def factor_columns(groups: list[str]) -> tuple[dict[str, list[tuple[str, float, float]]], list[str]]:
    """Each factor's parameters (name, low, high): the chosen model groups, then one strength factor per remedy."""
    factors: dict[str, list[tuple[str, float, float]]] = {}
    for name, (group, (lo, hi)) in model_factors().items():
        if group in groups:
            factors.setdefault(group, []).append((name, lo, hi))
    for key in sorted(INTERVENTIONS):
        factors[f"strength: {key}"] = [
            (f"interventions.{key}.{p}", lo, hi) for p, (lo, hi) in strength_ranges(key).items()
        ]
    return factors, groups


def make_sobol() -> None:
    from scipy.stats import qmc

    table = morris_table()
    groups: list[str] = []
    for metric in OUTCOMES:  # the groups that matter most for each outcome, in order
        groups += [
            g for g in groups_that_matter(table[table.metric == metric]).index[:TOP_PER_OUTCOME] if g not in groups
        ]
    factors, _ = factor_columns(groups)
    names = list(factors)
    unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(2027)).random(SOBOL_POINTS)
    scn = Scenario()
    columns: dict[str, np.ndarray] = {}
    for j, f in enumerate(names):
        for param, lo, hi in factors[f]:
            v = lo + unit[:, j] * (hi - lo)
            columns[param] = np.round(v) if is_int_field(scn, param) else np.round(v, 6)
    (HERE / "sobol").mkdir(exist_ok=True)
    pd.DataFrame(columns).to_csv(HERE / "sobol" / "points.csv", index=False)
    pd.DataFrame(unit, columns=names).to_csv(HERE / "sobol" / "factors.csv", index=False)
    arms = ", ".join(f'"{k}"' for k in sorted(INTERVENTIONS))
    metrics = ", ".join(f'"{m}"' for m in OUTCOMES)
    (HERE / "sobol" / "study.toml").write_text(
        f"""# Surrogate design for Sobol indices of the remedies' effects (experiments/sensitivity/analyse.py).
# Factors: {", ".join(groups)} (the two groups the Morris screening ranks first for each outcome) and each
# remedy's strength; a factor puts all its parameters at one quantile of their ranges (factors.csv).
name = "sensitivity-sobol-surrogate"
scenarios = ["../../../scenarios/baseline.toml"]
arms = [{arms}]
reps = 1
days = 180
window = 90
seed = 4500
metrics = [{metrics}]

[design]
kind = "table"
file = "points.csv"
"""
    )
    print(f"{SOBOL_POINTS} points over factors {groups} + 15 strengths -> sobol/study.toml")


def quadratic_features(u: np.ndarray) -> np.ndarray:
    d = u.shape[1]
    cols = [np.ones(len(u)), *u.T, *(u**2).T]
    cols += [u[:, i] * u[:, j] for i in range(d) for j in range(i + 1, d)]
    return np.column_stack(cols)


def fit(u: np.ndarray, y: np.ndarray) -> np.ndarray:
    f = quadratic_features(u)
    return np.linalg.lstsq(f, y, rcond=None)[0]


def cv_r2(u: np.ndarray, y: np.ndarray, folds: int = 10) -> float:
    k = np.arange(len(y)) % folds
    pred = np.empty(len(y))
    for i in range(folds):
        train = k != i
        pred[~train] = quadratic_features(u[~train]) @ fit(u[train], y[train])
    return float(1 - np.mean((pred - y) ** 2) / np.var(y))


def sobol_indices(coef: np.ndarray, names: list[str], seed: int = 0, base: int = 2**13, resamples: int = 100) -> dict:
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    x = sobol_sample.sample(problem, base, calc_second_order=False, seed=seed)
    y = quadratic_features(x) @ coef
    return sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=resamples, seed=seed)


def sobol() -> None:
    factors = pd.read_csv(HERE / "sobol" / "factors.csv")
    effects = pd.read_parquet(HERE / "sobol" / "runs" / "effects.parquet")
    model_groups = [c for c in factors.columns if not c.startswith("strength: ")]
    rows, lines = [], []
    rng = np.random.default_rng(5)
    for arm in sorted(INTERVENTIONS):
        names = [*model_groups, f"strength: {arm}"]
        u = factors[names].to_numpy(float)
        for metric in OUTCOMES:
            e = effects[(effects.arm == arm) & (effects.metric == metric)].set_index("point")["diff"]
            ok = e.reindex(range(len(factors))).notna().to_numpy()
            y = e.reindex(range(len(factors))).to_numpy(float)[ok]
            if ok.sum() < 20 or np.var(y) == 0:
                continue
            coef = fit(u[ok], y)
            si = sobol_indices(coef, names)
            boot = []
            for _ in range(50):  # surrogate uncertainty: refit on resampled runs
                idx = rng.integers(0, ok.sum(), ok.sum())
                b = sobol_indices(fit(u[ok][idx], y[idx]), names, seed=1, base=2**11, resamples=2)
                boot.append(np.concatenate([b["S1"], b["ST"]]))
            boot = np.array(boot)
            r2 = cv_r2(u[ok], y)
            for i, name in enumerate(names):
                rows.append(
                    {
                        "arm": arm,
                        "metric": metric,
                        "factor": name if not name.startswith("strength") else "own strength",
                        "S1": float(si["S1"][i]),
                        "S1_conf": float(si["S1_conf"][i]),
                        "ST": float(si["ST"][i]),
                        "ST_conf": float(si["ST_conf"][i]),
                        "ST_refit_low": float(np.quantile(boot[:, len(names) + i], 0.025)),
                        "ST_refit_high": float(np.quantile(boot[:, len(names) + i], 0.975)),
                        "surrogate_cv_r2": r2,
                        "effect_sd": float(np.std(y)),
                        "points": int(ok.sum()),
                    }
                )
    table = pd.DataFrame(rows)
    table.to_csv(HERE / "sobol" / "indices.csv", index=False)
    for metric in OUTCOMES:
        t = table[table.metric == metric]
        lines += [
            "",
            f"**Total-order Sobol indices ST of the effect on {metric}** (surrogate; [refit 95% interval]; "
            "surrogate CV R^2; sd of the effect over the design)",
            "",
            "| remedy | " + " | ".join([*model_groups, "own strength"]) + " | CV R^2 | effect sd |",
            "|---|" + "---|" * (len(model_groups) + 3),
        ]
        for arm, g in t.groupby("arm"):
            g = g.set_index("factor")
            cells = [
                f"{g.loc[f, 'ST']:.2f} [{g.loc[f, 'ST_refit_low']:.2f}, {g.loc[f, 'ST_refit_high']:.2f}]"
                for f in [*model_groups, "own strength"]
            ]
            lines.append(
                f"| {arm} | " + " | ".join(cells) + f" | {g.surrogate_cv_r2.iloc[0]:.2f} | {g.effect_sd.iloc[0]:.4f} |"
            )
    (HERE / "sobol" / "result.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    summary = {
        "factors": [*model_groups, "own strength"],
        "median_cv_r2": float(table.groupby(["arm", "metric"]).surrogate_cv_r2.first().median()),
    }
    (HERE / "sobol" / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    commands = {"morris": morris, "make-sobol": make_sobol, "sobol": sobol}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python {sys.argv[0]} {{{'|'.join(commands)}}}")
    np.seterr(all="ignore")
    commands[sys.argv[1]]()
