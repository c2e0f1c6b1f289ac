"""The regression baseline: exact daily metrics of fixed runs, frozen in ``baseline.parquet``.

A refactor that changes structure, not behaviour, must keep these numbers bit
for bit (``tests/regression/test_regression.py``). A change that is meant to
alter results regenerates them on purpose, in a commit of its own that says
why::

    python tests/regression/make_baseline.py --write

Exact numbers depend on package versions (a new numpy may change a float sum):
they were made with the versions in ``constraints.txt``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
FILE = Path(__file__).with_name("baseline.parquet")
RUNS = (("baseline", 1), ("baseline", 2), ("integrated_package", 1), ("integrated_package", 2))
DAYS = 200


def frame(scenario: str, seed: int, days: int = DAYS) -> pd.DataFrame:
    """Daily metrics of one frozen run, with scenario, seed and day columns."""
    from simulation import CommunityModel, load_scenario

    model = CommunityModel(scenario=load_scenario(ROOT / "scenarios" / f"{scenario}.toml"), rng=seed)
    model.run_for(days)
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "day", np.arange(1, len(df) + 1))
    df.insert(0, "seed", seed)
    df.insert(0, "scenario", scenario)
    return df


def current() -> pd.DataFrame:
    return pd.concat([frame(s, seed) for s, seed in RUNS], ignore_index=True)


def differences(stored: pd.DataFrame, now: pd.DataFrame) -> list[str]:
    """Where two frames differ (exactly; NaN equals NaN): one line per column, first day shown."""
    out = []
    if list(stored.columns) != list(now.columns):
        return [f"columns differ: {sorted(set(stored.columns) ^ set(now.columns))}"]
    if len(stored) != len(now):
        return [f"rows differ: {len(stored)} stored, {len(now)} now"]
    for col in stored.columns:
        a, b = stored[col].to_numpy(), now[col].to_numpy()
        same = (a == b) | (pd.isna(a) & pd.isna(b)) if a.dtype.kind == "f" else a == b
        if not np.all(same):
            i = int(np.argmin(same))
            row = stored.iloc[i]
            out.append(f"{col}: first at {row['scenario']} seed {row['seed']} day {row['day']}: {a[i]!r} -> {b[i]!r}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="overwrite the stored baseline with the current numbers")
    args = ap.parse_args()
    now = current()
    if args.write:
        tmp = FILE.with_suffix(".tmp")
        now.to_parquet(tmp, index=False)
        tmp.replace(FILE)
        print(f"wrote {FILE} ({len(now)} rows)")
        return
    diff = differences(pd.read_parquet(FILE), now)
    print("\n".join(diff) if diff else "regression baseline: identical")
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
