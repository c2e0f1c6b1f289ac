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
