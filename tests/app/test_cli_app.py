"""govsim app: mistakes in the command line get one line on stderr and exit 2, before any server starts."""

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def govsim(*args):
    return subprocess.run(
        [sys.executable, "-m", "simulation", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def one_line(r) -> str:
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_unknown_archetype_names_the_known_ones():
    line = one_line(govsim("app", "no_such_place"))
    assert "SCENARIO" in line and "no_such_place" in line and "stranger_community" in line


def test_bad_port_names_the_flag_and_range():
    line = one_line(govsim("app", "--port", "70000"))
    assert "--port" in line and "65535" in line


def test_port_in_use_is_a_user_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        line = one_line(govsim("app", "--port", str(port)))
    assert f"--port {port}" in line


def test_bad_seed_names_the_flag():
    line = one_line(govsim("app", "--seed", "-4"))
    assert "--seed" in line


def test_a_slow_kernel_load_says_why_and_a_quick_one_says_nothing(capsys):
    """On a fresh install the app's first start waits about a minute for the compiler: it says so on stderr
    (and when it is done), so the wait is not taken for a hang; a load from the cache says nothing."""
    import time

    from simulation.cli import COMPILING_NOTE, load_saying_why

    load_saying_why(lambda: time.sleep(0.3), "govsim app", after_s=0.05)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"govsim app: {COMPILING_NOTE} ..." and err[1].startswith("govsim app: kernels ready (")
    load_saying_why(lambda: None, "govsim app", after_s=0.5)
    time.sleep(0.6)  # past the timer: a cancelled note stays unsaid
    assert capsys.readouterr().err == ""
