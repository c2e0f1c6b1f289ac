"""govsim study / compare / report / run from the command line: results, refusals, Ctrl-C, help."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--set", "community.adults=300", "--set", "burn_in_days=0"]  # small and no spin-up: fast


def govsim(*args, cwd=ROOT, **kw):
    return subprocess.run([sys.executable, "-m", "simulation", *args], capture_output=True, text=True, cwd=cwd, **kw)


def one_error_line(r, *words):
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


STUDY = """
name = "tiny grid"
scenario = "{scenario}"
arms = ["joint_meetings(every_days=7)+whistle_report", "community_app"]
reps = 2
days = 20
window = 10
metrics = ["participation_rate", "trust_community"]

[set]
"community.adults" = 300
"burn_in_days" = 0

[design]
method = "grid"

[design.parameters]
"activities.base" = {{ values = [-2.5, -1.5] }}
"""


def write_study(tmp_path: Path, text: str = STUDY, **fields) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text.format(scenario=ROOT / "scenarios" / "baseline.toml", **fields), encoding="utf-8")
    return path


def test_study_runs_resumes_and_reports(tmp_path):
    study = write_study(tmp_path)
    out = tmp_path / "res"
    r = govsim("study", str(study), "--out", str(out), "--workers", "2")
    assert r.returncode == 0, r.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 3 * 2 and runs["key"].is_unique
    design = pd.read_parquet(out / "design.parquet")
    assert design["activities.base"].tolist() == [-2.5, -1.5]
    sens = pd.read_parquet(out / "sensitivity.parquet")
    assert set(sens["method"]) == {"prcc"}
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and man["kind"] == "study" and man["runs_planned"] == 12
    assert man["provenance"]["scenario_sha256"] and man["provenance"]["overrides"] == [
        "community.adults=300",
        "burn_in_days=0",
    ]
    for f in out.iterdir():
        if f.is_file():
            assert oct(f.stat().st_mode & 0o777) == "0o644", f
    # The same command again runs nothing new and changes no number.
    before = runs.copy()
    r = govsim("study", str(study), "--out", str(out), "--workers", "2")
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)
    r = govsim("report", str(out))
    assert r.returncode == 0, r.stderr
    one_error_line(govsim("report", str(out), "--out", str(study)), str(study), "--overwrite")
    text = (out / "report.html").read_text()
    assert "plotly" in text and "tiny grid" in text and "<script src=" not in text


BAD_STUDIES = [
    ("reps = 2", "reps = 0", ["study.toml", "reps", "1..10000", "got 0"]),
    (
        'arms = ["joint_meetings(every_days=7)',
        'arms = ["joint_meetings(every_days=900)',
        ["study.toml: arms", "every_days", "1..365"],
    ),
    (
        '"activities.base" = {{ values = [-2.5, -1.5] }}',
        '"casework.admin_burden" = {{ values = [0.5, 1.5] }}',
        ["study.toml: design.parameters", "casework.admin_burden", "0..1", "got 1.5"],
    ),
    ('method = "grid"', 'method = "sobel"', ["study.toml", "design.method", "sobol"]),
    ('metrics = ["participation_rate"', 'metrics = ["participation"', ["study.toml: metrics", "'participation'"]),
    ("window = 10", "windows = 10", ["study.toml", "windows", "unknown field"]),
    ('scenario = "{scenario}"', 'scenario = "nowhere.toml"', ["study.toml: scenario", "nowhere.toml", "not found"]),
]


@pytest.mark.parametrize(("old", "new", "words"), BAD_STUDIES)
def test_bad_study_file_names_file_field_and_range(tmp_path, old, new, words):
    from simulation import ScenarioError
    from simulation.study.load import load_study

    assert old in STUDY
    with pytest.raises(ScenarioError) as err:
        load_study(write_study(tmp_path, STUDY.replace(old, new)))
    assert "\n" not in str(err.value)
    for w in words:
        assert w in str(err.value)


def test_bad_study_file_on_the_command_line_writes_nothing(tmp_path):
    old, new, words = BAD_STUDIES[2]
    out = tmp_path / "never"
    one_error_line(govsim("study", str(write_study(tmp_path, STUDY.replace(old, new))), "--out", str(out)), *words)
    assert not out.exists()


def test_run_and_compare_refuse_an_existing_out_before_simulating(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("keep me")
    one_error_line(govsim("run", "scenarios/baseline.toml", "--out", str(f)), str(f), "not a directory")
    one_error_line(
        govsim("compare", "scenarios/baseline.toml", "-i", "whistle_report", "--out", str(f)), "not a directory"
    )
    assert f.read_text() == "keep me"
    out = tmp_path / "r"
    assert govsim("run", "scenarios/baseline.toml", "--days", "3", *SMALL, "--out", str(out)).returncode == 0
    one_error_line(govsim("run", "scenarios/baseline.toml", "--days", "3", "--out", str(out)), "--overwrite")
    r = govsim("run", "scenarios/baseline.toml", "--days", "4", *SMALL, "--out", str(out), "--overwrite")
    assert r.returncode == 0 and len(pd.read_parquet(out / "metrics.parquet")) == 4
    meta = json.loads((out / "run.json").read_text())
    assert meta["provenance"]["seeds"] == [1] and meta["provenance"]["days"] == 4
    assert "git_commit" in meta["provenance"] and meta["provenance"]["overrides"] == [
        "community.adults=300",
        "burn_in_days=0",
    ]


def test_arm_equal_to_the_baseline_is_refused(tmp_path):
    r = govsim(
        "compare",
        "scenarios/baseline.toml",
        "--set",
        "interventions.joint_meetings.every_days=7",
        "-i",
        "joint_meetings",
        "--out",
        str(tmp_path / "x"),
    )
    one_error_line(r, "joint_meetings", "equals the baseline")
    assert not (tmp_path / "x").exists()
    r = govsim("compare", "scenarios/baseline.toml", "-i", "joint_meetings(every_days=0)")
    one_error_line(r, "--intervention", "interventions.joint_meetings.every_days", "1..365")


def test_unreachable_scheduler_is_one_line_before_anything_is_written(tmp_path):
    out = tmp_path / "never"
    r = govsim(
        "compare", "scenarios/baseline.toml", "-i", "whistle_report", "--scheduler", "nonsense://x", "--out", str(out)
    )
    one_error_line(r, "--scheduler 'nonsense://x'", "cannot connect")
    assert not out.exists()


def test_help_shows_every_default():
    r = govsim("compare", "--help", env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0
    for text in (
        "[default: 20]",
        "[default: 90]",
        "the scenario's days",
        "the number of cores",
        "a core set",
        "[default: local]",
        "[default: 0]",
    ):
        assert text in r.stdout, text
    r = govsim("study", "--help", env={**os.environ, "COLUMNS": "200"})
    assert "results/<study file name>" in r.stdout and "[default: local]" in r.stdout


def test_report_of_a_non_results_dir_is_one_line(tmp_path):
    one_error_line(govsim("report", str(tmp_path)), str(tmp_path), "manifest.json")


def test_internal_error_is_one_line_and_saves_the_traceback(tmp_path, monkeypatch, capsys):
    from simulation import cli
    from simulation.study import report

    def boom(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "write_report", boom)
    monkeypatch.setattr(sys, "argv", ["govsim", "report", str(tmp_path)])
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(SystemExit) as ex:
        cli.main()
    assert ex.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error: RuntimeError: disk on fire" in err[0]
    saved = Path(err[0].split("full traceback in ")[1].rstrip(")"))
    assert saved.is_file() and "Traceback" in saved.read_text()


@pytest.mark.slow
def test_ctrl_c_stops_workers_keeps_runs_and_resumes(tmp_path):
    out = tmp_path / "cmp"
    args = [
        "compare",
        "scenarios/baseline.toml",
        "-i",
        "whistle_report",
        "-i",
        "community_app",
        "--reps",
        "8",
        "--days",
        "300",  # long enough that the comparison is still running when Ctrl-C comes (runs are fast)
        *SMALL,
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    # A child inherits an ignored SIGINT (and Python then keeps ignoring it). The suite may run with
    # SIGINT ignored (a background job of a non-interactive shell, `... &`); a command typed in a
    # terminal does not, so the child gets Python's default handling.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulation", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    parts = out / "parts"
    deadline = time.time() + 60
    while time.time() < deadline and not (parts.is_dir() and len(list(parts.glob("*.json"))) >= 2):
        time.sleep(0.05)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) >= 2
    t0 = time.time()
    proc.send_signal(signal.SIGINT)
    out_text, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (err, out_text[-300:])
    assert time.time() - t0 < 10
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "kept in" in lines[0] and "run the same command again to resume" in lines[0], err
    kept = int(lines[0].split("interrupted: ")[1].split(" of ")[0])
    assert 2 <= kept < 24
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    gone = psutil.wait_procs(children, timeout=5)[1]
    assert not gone, f"worker processes still alive: {gone}"
    r = subprocess.run([sys.executable, "-m", "simulation", *args], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 24 and runs["key"].is_unique


@pytest.mark.parametrize("keep", [True, False])
def test_failed_runs_are_one_line_exit_1_with_tracebacks_kept(tmp_path, monkeypatch, capsys, keep):
    from simulation import cli
    from simulation.study import runner

    real = runner.run_one

    def broken(spec):
        if spec.key.endswith("a001-r00001"):
            raise ValueError("boom")
        return real(spec)

    monkeypatch.setattr(runner, "run_one", broken)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    out = ["--out", str(tmp_path / "cmp")] if keep else []
    args = ["compare", "scenarios/baseline.toml", "-i", "whistle_report", "--reps", "2", "--days", "3", *SMALL]
    monkeypatch.setattr(sys, "argv", ["govsim", *args, "--workers", "1", *out])
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as ex:
        cli.main()
    assert ex.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1 of 4 runs failed (tracebacks in " in err[0], err
    folder = Path(err[0].split("tracebacks in ")[1].split(")")[0])
    assert "ValueError: boom" in (folder / "p00000-a001-r00001.txt").read_text()
    assert ("run the same command again" in err[0]) == keep


def test_compare_robust_shows_the_seed_interval_beside_the_parameter_band(tmp_path):
    out = tmp_path / "c"
    r = govsim(
        "compare",
        "scenarios/baseline.toml",
        "-i",
        "community_app",
        "--reps",
        "2",
        "--days",
        "15",
        "--window",
        "5",
        "--robust",
        "3",
        "--workers",
        "1",
        "--out",
        str(out),
        *SMALL,
    )
    assert r.returncode == 0, r.stderr
    assert "band over 3 points" in r.stdout.replace("\n", " ") or "parameter uncertainty" in r.stdout, r.stdout
    bands = pd.read_csv(out / "robust" / "bands.csv")
    assert set(bands["arm"]) == {"community_app"} and (bands["points"] <= 3).all()
    assert bands.set_index("metric").loc["participation_rate", "points"] == 3  # NaN-free metrics at every point
    b = bands.dropna(subset=["band_low"])
    assert len(b) and (b["band_low"] <= b["band_high"]).all()
