"""govsim reproduce: reruns match their stored numbers; a changed number makes it fail."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulation.study import reproduce as rp

ROOT = Path(__file__).resolve().parents[1]
TINY = """
name = "E90 tiny"
scenarios = ["{root}/scenarios/baseline.toml"]
arms = ["joint_meetings", "community_app"]
reps = 2
days = 20
window = 10
metrics = ["participation_rate", "service_satisfaction"]

[set]
"community.adults" = 300
"burn_in_days" = 0

[quick]
reps = 2
days = 12
window = 6
"""


@pytest.fixture()
def tiny(tmp_path) -> Path:
    folder = tmp_path / "experiments" / "E90-tiny"
    folder.mkdir(parents=True)
    (folder / "study.toml").write_text(TINY.replace("{root}", str(ROOT)), encoding="utf-8")
    (folder / "README.md").write_text("# E90 A tiny experiment\n", encoding="utf-8")
    return folder.parent


def govsim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "simulation", *args], capture_output=True, text=True, cwd=cwd)


def test_rerun_matches_then_a_changed_number_fails(tiny, tmp_path):
    exp = rp.find("E90", tiny)
    out = tmp_path / "results"
    table, _, _ = rp.run(exp, quick=True, update=True, out_root=out)
    assert table["within"].all() and len(table) == 2 * 2  # arms x metrics
    stored = json.loads(exp.expected.read_text())
    assert set(stored) == {"quick"} and stored["quick"]["made_with"]["versions"]
    assert all(n["tolerance"] > 0 for n in stored["quick"]["numbers"])
    r = govsim("reproduce", "E90", "--quick", "--experiments", str(tiny), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4/4 within" in r.stdout
    # A stored number moved by more than its tolerance: the rerun must say so and exit 1.
    number = stored["quick"]["numbers"][0]
    number["value"] += 10 * number["tolerance"] + 0.01
    exp.expected.write_text(json.dumps(stored))
    r = govsim("reproduce", "E90", "--quick", "--experiments", str(tiny), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "3/4 within" in r.stdout and "NO" in r.stdout
    # The stored numbers are not rewritten by a plain rerun.
    assert json.loads(exp.expected.read_text()) == stored


def test_full_numbers_missing_is_one_line(tiny, tmp_path):
    r = govsim("reproduce", "E90", "--experiments", str(tiny), "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert r.returncode == 2 and "--update-expected" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_list_and_unknown(tiny, tmp_path):
    r = govsim("reproduce", "--list", "--experiments", str(tiny), cwd=tmp_path)
    assert r.returncode == 0 and "E90" in r.stdout and "tiny" in r.stdout
    r = govsim("reproduce", "E99", "--experiments", str(tiny), cwd=tmp_path)
    assert r.returncode == 2 and "E99" in r.stderr and "E90" in r.stderr


def test_every_committed_experiment_has_quick_numbers_and_a_readme():
    exps = rp.experiments()
    assert len(exps) >= 7
    for e in exps:
        assert (e.folder / "README.md").is_file() and e.title, e.id
        stored = json.loads(e.expected.read_text()) if e.expected.is_file() else {}
        assert "quick" in stored, f"{e.id}: govsim reproduce {e.id} --quick --update-expected"


@pytest.mark.slow
def test_a_committed_experiment_reproduces_quickly(tmp_path):
    """One real experiment, quick, against its committed expected.json (CI time allows one)."""
    r = govsim("reproduce", "E02", "--quick", "--workers", "2", "--out", str(tmp_path / "r"), cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
