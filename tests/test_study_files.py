"""Study files in the documented form: several scenarios, a design, resume after SIGKILL, and mistakes.

Every malformed study file or flag gets one line on stderr naming the file or
flag, the field and the allowed range, exit status 2, and nothing written.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simulation import cli

ROOT = Path(__file__).resolve().parents[1]

STUDY = """
name = "households-by-archetype"
scenarios = ["{root}/scenarios/baseline.toml", "{root}/scenarios/stranger_community.toml"]
arms = ["model_households", "joint_meetings+whistle_report"]
reps = 2
days = 30
window = 10
seed = 0
metrics = ["participation_rate", "trust_community"]

[set]
"community.adults" = 300
"burn_in_days" = 0

[design]
kind = "grid"

[design.parameters]
"casework.admin_burden" = [0.3, 0.5, 0.7]
"""


def write(tmp_path: Path, text: str = STUDY, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("{root}", str(ROOT)), encoding="utf-8")
    return path


def govsim(*args):
    return subprocess.run([sys.executable, "-m", "simulation", *args], capture_output=True, text=True, cwd=ROOT)


def sorted_runs(out: Path) -> pd.DataFrame:
    df = pd.read_parquet(out / "runs.parquet")
    return df.sort_values("key").reset_index(drop=True)


@pytest.mark.slow
def test_two_scenarios_and_a_grid_resume_after_sigkill_to_the_same_runs(tmp_path):
    study = write(tmp_path)
    whole = tmp_path / "whole"
    r = govsim("study", str(study), "--out", str(whole), "--workers", "2")
    assert r.returncode == 0, r.stderr
    runs = sorted_runs(whole)
    assert len(runs) == 2 * 3 * 3 * 2  # scenarios x points x arms (baseline included) x reps
    assert set(runs["scenario"]) == {"baseline", "stranger_community"}
    effects = pd.read_parquet(whole / "effects.parquet")
    assert set(effects["scenario"]) == {"baseline", "stranger_community"} and effects["point"].nunique() == 6
    assert (whole / "sensitivity.parquet").is_file()
    # The same study killed with SIGKILL part-way (workers too), then run again.
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation", "study", str(study), "--out", str(killed), "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((killed / "parts").glob("*.json"))) < 6:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < len(list((killed / "parts").glob("*.json"))) < len(runs)
    r = govsim("study", str(study), "--out", str(killed), "--workers", "2")
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(sorted_runs(killed), runs)


BAD_FILES = [
    ("reps = 2", "reps = 0", ["reps", "1..10000"]),
    ("reps = 2", "reps = 'two'", ["reps"]),
    ("days = 30", "days = 0", ["days", "1..36500"]),
    ("window = 10", "window = -5", ["window", "1..36500"]),
    ("seed = 0", "seed = -1", ["seed"]),
    ('kind = "grid"', 'kind = "sobel"', ["design", "grid"]),
    ('kind = "grid"', 'kind = "lhs"', ["casework.admin_burden", "[low, high]"]),
    (
        'kind = "grid"\n\n[design.parameters]\n"casework.admin_burden" = [0.3, 0.5, 0.7]',
        'kind = "sobol"\nsamples = 6\n\n[design.parameters]\n"casework.admin_burden" = [0.3, 0.7]',
        ["power of 2"],
    ),
    (
        '"casework.admin_burden" = [0.3, 0.5, 0.7]',
        '"casework.admin_burden" = [0.3, 1.5]',
        ["casework.admin_burden", "0..1"],
    ),
    (
        '"casework.admin_burden" = [0.3, 0.5, 0.7]',
        '"casework.admin_burdn" = [0.3]',
        ["casework.admin_burdn", "unknown field"],
    ),
    (
        '"casework.admin_burden" = [0.3, 0.5, 0.7]',
        '"interventions.joint_meetings.every_days" = [0, 7]',
        ["every_days", "1..365"],
    ),
    ('metrics = ["participation_rate"', 'metrics = ["participation"', ["metrics", "'participation'"]),
    ('arms = ["model_households"', 'arms = ["model_household"', ["arms", "model_household"]),
    ('arms = ["model_households"', 'arms = ["model_households(per_building=0)"', ["per_building", "1..10"]),
    ('arms = ["model_households"', 'arms = ["model_households(invite=1)"', ["invite", "unknown"]),
    ('arms = ["model_households"', 'arms = ["model_households+"', ["arms"]),
    ("window = 10", "windows = 10", ["windows", "unknown field"]),
    ('"community.adults" = 300', '"community.adults" = 5', ["community.adults", "10..2000000"]),
    (
        'scenarios = ["{root}/scenarios/baseline.toml"',
        'scenarios = ["nowhere.toml"',
        ["scenarios", "nowhere.toml", "not found"],
    ),
    (
        'scenarios = ["{root}/scenarios/baseline.toml", "{root}/scenarios/stranger_community.toml"]',
        "scenarios = []",
        ["scenarios"],
    ),
    ('name = "households-by-archetype"', 'name = "x"\nscenario = "a.toml"', ["scenario"]),
    ("[design]", "[desing]", ["desing", "unknown field"]),
    ('name = "households-by-archetype"', "name = ", ["not valid TOML"]),
]


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["govsim", *args])
    with pytest.raises(SystemExit) as ex:
        cli.main()
    return ex.value.code, capsys.readouterr().err


@pytest.mark.parametrize(("old", "new", "words"), BAD_FILES, ids=[f"file{i}" for i in range(len(BAD_FILES))])
def test_a_malformed_study_file_is_one_line_exit_2_nothing_written(tmp_path, monkeypatch, capsys, old, new, words):
    assert old in STUDY, old
    study = write(tmp_path, STUDY.replace(old, new))
    out = tmp_path / "out"
    code, err = run_cli(monkeypatch, capsys, "study", str(study), "--out", str(out))
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "study.toml" in lines[0], lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not out.exists()


BAD_FLAGS = [
    (["--workers", "0"], ["--workers"]),
    (["--workers", "many"], ["--workers"]),
    (["--scheduler", ""], ["--scheduler"]),
    (["--executor", "cloud"], ["--executor"]),
]


@pytest.mark.parametrize(("flags", "words"), BAD_FLAGS, ids=[f"flag{i}" for i in range(len(BAD_FLAGS))])
def test_a_bad_flag_is_one_line_exit_2_nothing_written(tmp_path, monkeypatch, capsys, flags, words):
    study = write(tmp_path)
    out = tmp_path / "out"
    code, err = run_cli(monkeypatch, capsys, "study", str(study), "--out", str(out), *flags)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err
    assert not out.exists()


def test_a_missing_study_file_is_one_line(tmp_path, monkeypatch, capsys):
    code, err = run_cli(monkeypatch, capsys, "study", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o"))
    assert code == 2 and "none.toml" in err and len(err.strip().splitlines()) == 1


def test_one_replication_without_a_design_is_refused(tmp_path, monkeypatch, capsys):
    text = STUDY.replace("reps = 2", "reps = 1")
    study = write(tmp_path, text[: text.index("[design]")])
    code, err = run_cli(monkeypatch, capsys, "study", str(study), "--out", str(tmp_path / "out"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "reps" in err and "[design]" in err, err


def test_no_arms_without_a_design_is_refused(tmp_path, monkeypatch, capsys):
    text = STUDY.replace('arms = ["model_households", "joint_meetings+whistle_report"]', "arms = []")
    text = text[: text.index("[design]")]
    study = write(tmp_path, text)
    out = tmp_path / "out"
    code, err = run_cli(monkeypatch, capsys, "study", str(study), "--out", str(out))
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "study.toml" in err and "arms" in err and "[design]" in err, err
    assert not out.exists()


def test_no_arms_with_a_design_sweeps_the_baseline_levels(tmp_path, monkeypatch, capsys):
    text = STUDY.replace('arms = ["model_households", "joint_meetings+whistle_report"]', "arms = []")
    text = text.replace('"{root}/scenarios/stranger_community.toml"', "").replace('.toml", ]', '.toml"]')
    study = write(tmp_path, text)
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["govsim", "study", str(study), "--out", str(out)])
    cli.main()
    runs = sorted_runs(out)
    assert len(runs) == 3 * 2 and set(runs["arm"]) == {"baseline"}  # 3 grid points x 2 reps
    # A higher administrative burden leaves the committee less time: levels differ between points.
    assert runs.groupby("point")["trust_community"].mean().nunique() == 3


def test_a_table_design_reads_its_points_from_a_csv_next_to_the_study(tmp_path, monkeypatch, capsys):
    from simulation.study.load import load_study

    (tmp_path / "points.csv").write_text("casework.admin_burden,trust.hearsay_share\n0.3,0.1\n0.6,0.4\n")
    design = '[design]\nkind = "table"\nfile = "points.csv"\n'
    text = STUDY[: STUDY.index("[design]")] + design
    plan = load_study(write(tmp_path, text))
    assert plan.points["casework.admin_burden"].tolist() == [0.3, 0.6, 0.3, 0.6]  # two scenarios x two rows
    assert [pb.trust.hearsay_share for pb in plan.point_bases] == [0.1, 0.4, 0.1, 0.4]
    (tmp_path / "points.csv").unlink()
    code, err = run_cli(monkeypatch, capsys, "study", str(write(tmp_path, text)), "--out", str(tmp_path / "o"))
    assert code == 2 and "design.file" in err and "points.csv" in err and "not found" in err, err
