"""compare(workers=2) from a script without a __main__ guard, and from ``python -``: works, runs once."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
from simulation import Scenario, compare
print("script body ran")
table = compare(Scenario().scaled(adults=300).override({"burn_in_days": 0}), ["whistle_report"], reps=2, days=10, workers=2)
print("rows", len(table))
"""


@pytest.mark.slow
def test_script_without_main_guard(tmp_path):
    script = tmp_path / "no_guard.py"
    script.write_text(SCRIPT, encoding="utf-8")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    # The workers did not re-run the script: its body ran once.
    assert r.stdout.count("script body ran") == 1
    assert "rows" in r.stdout


@pytest.mark.slow
def test_python_stdin():
    r = subprocess.run([sys.executable, "-"], input=SCRIPT, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("script body ran") == 1 and "rows" in r.stdout
