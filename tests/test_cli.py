"""The govsim command: run writes every metric; mistakes get one line and exit 2."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

from simulation import METRICS

ROOT = Path(__file__).resolve().parents[1]


def govsim(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "simulation", *args], capture_output=True, text=True, cwd=cwd)


def test_run_baseline_writes_every_metric(tmp_path):
    r = govsim("run", "scenarios/baseline.toml", "--days", "15", "--seed", "3", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    df = pd.read_parquet(tmp_path / "metrics.parquet")
    assert list(df.columns) == ["day", *METRICS]
    assert df["day"].tolist() == list(range(1, 16))
    csv = pd.read_csv(tmp_path / "metrics.csv")
    assert csv.shape == df.shape
    assert "participation_rate" in r.stdout
    assert not list(tmp_path.glob(".*.tmp"))


def test_run_shows_the_burn_in_and_the_days_as_progress(tmp_path):
    """The burn-in runs while the model is built (minutes for a district): it has a bar of its own."""
    import os

    r = subprocess.run(
        [sys.executable, "-m", "simulation", "run", "scenarios/baseline.toml", "--days", "5", "--out", str(tmp_path),
         "--set", "community.adults=400", "--set", "burn_in_days=12"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "GOVSIM_PROGRESS": "1", "COLUMNS": "120"},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "baseline: burn-in" in r.stderr and "12/12" in r.stderr and "5/5" in r.stderr


def test_bad_set_is_one_line_and_exit_2(tmp_path):
    r = govsim("run", "scenarios/baseline.toml", "--set", "casework.admin_burden=7", "--out", str(tmp_path))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "casework.admin_burden" in lines[0] and "0..1" in lines[0] and "baseline.toml" in lines[0]
    assert not (tmp_path / "metrics.parquet").exists()


def test_bad_file_and_flag(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[community]\nadults = -3\n")
    r = govsim("run", str(bad))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "community.adults" in r.stderr
    r = govsim("run", "scenarios/baseline.toml", "--days", "0")
    assert r.returncode == 2 and "--days" in r.stderr and "Traceback" not in r.stderr


def test_describe_and_help():
    r = govsim("describe", "scenarios/baseline.toml")
    assert r.returncode == 0
    for word in ("issues", "word_of_mouth", "participation_rate", "casework.admin_burden"):
        assert word in r.stdout
    r = govsim("run", "--help")
    assert r.returncode == 0 and "--seed" in r.stdout and "--set" in r.stdout
