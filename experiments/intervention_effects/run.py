"""Paired effects of each registered intervention on the baseline, with the constraint that binds.

20 replications x 365 days after the baseline's burn-in, each arm paired with
the baseline by seed (the arms of a replication share its burn-in); means over
the last 90 days. Writes to ``--out`` (default ``results/intervention_effects``)
``effects.csv`` (the full tidy table) and ``effects.md`` (the main metrics with
95% intervals, and the pool use and activity fill that show which constraint
binds). ``--store`` also writes them next to this script (the committed
reference). Rerun with::

    python experiments/intervention_effects/run.py [--reps 20] [--workers 2] [--store]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation import INTERVENTIONS, Scenario, compare

HERE = Path(__file__).parent
SHOWN = (
    "participation_rate",
    "activity_participation_rate",
    "governance_participation_rate",
    "trust_community",
    "trust_government",
    "service_satisfaction",
    "case_close_days_mean",
)
CONSTRAINTS = ("activity_fill_rate", "resource_utilization", "activities_held")


def made_by_other_code(runs_dir: Path) -> bool:
    """Whether ``runs_dir`` holds runs of another git commit (or of a changed tree): they are not reused."""
    import json

    from simulation.study.provenance import git_commit

    manifest = runs_dir / "manifest.json"
    if not manifest.is_file():
        return False
    prov = json.loads(manifest.read_text()).get("provenance") or {}
    now = git_commit()
    return prov.get("git_commit") != now["commit"] or bool(prov.get("git_dirty")) or bool(now["dirty"])


def cell(r) -> str:
    return f"{r['diff']:+.4f} [{r.ci_low:+.4f}, {r.ci_high:+.4f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("results/intervention_effects"))
    ap.add_argument("--store", action="store_true", help="also write the committed reference next to this script")
    args = ap.parse_args()
    arms = sorted(INTERVENTIONS)

    def progress(done, total):
        if done % 20 == 0 or done == total:
            print(f"{done}/{total} runs", file=sys.stderr)

    runs_dir = args.out / "runs"  # resumable: an interrupted rerun keeps its finished runs...
    table = compare(
        Scenario(),
        arms,
        reps=args.reps,
        days=args.days,
        workers=args.workers,
        progress=progress,
        out=runs_dir,
        overwrite=made_by_other_code(runs_dir),  # ...but runs made by other code are not reused
    )
    head = (
        f"Paired effects on the baseline ({args.reps} replications, {args.days} days after a 365-day burn-in, "
        "mean of the last 90 days; diff [95% CI])."
    )
    lines = [head, "", "| intervention | " + " | ".join(SHOWN) + " |", "|---|" + "---|" * len(SHOWN)]
    for arm in arms:
        rows = table[table.arm == arm].set_index("metric")
        lines.append(f"| {arm} | " + " | ".join(cell(rows.loc[m]) for m in SHOWN) + " |")
    lines += [
        "",
        "What binds: activity fill (places taken / offered), pool use (used / available) and activities held "
        "(30 days), arm minus baseline.",
        "",
        "| intervention | " + " | ".join(CONSTRAINTS) + " | monthly cost (yuan) |",
        "|---|" + "---|" * (len(CONSTRAINTS) + 1),
    ]
    for arm in arms:
        rows = table[table.arm == arm].set_index("metric")
        cost = rows["monthly_cost"].iloc[0]
        lines.append(f"| {arm} | " + " | ".join(cell(rows.loc[m]) for m in CONSTRAINTS) + f" | {cost:,.0f} |")
    base = table[table.arm == arms[0]].set_index("metric")["baseline_mean"]
    lines += ["", "Baseline means: " + ", ".join(f"{m} {base[m]:.4f}" for m in SHOWN + CONSTRAINTS)]
    text = "\n".join(lines) + "\n"
    for folder in [args.out] + ([HERE] if args.store else []):
        folder.mkdir(parents=True, exist_ok=True)
        table.to_csv(folder / "effects.csv", index=False)
        (folder / "effects.md").write_text(text, encoding="utf-8")
        print(f"wrote {folder / 'effects.md'}", file=sys.stderr)
    print(text)


if __name__ == "__main__":
    main()
