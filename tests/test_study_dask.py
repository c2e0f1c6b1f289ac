"""The Dask executor: same numbers as local processes, and a killed worker does not lose runs."""

import os
import signal
import threading
import time

import pandas as pd
import pytest

from simulation import Scenario, compare
from simulation.study.arms import parse_arms
from simulation.study.engine import Plan, run_plan
from simulation.study.store import Store

pytest.importorskip("distributed")

ARMS = ["whistle_report", "community_app"]


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return Scenario().scaled(adults=300).override({"burn_in_days": 0})


@pytest.mark.slow
def test_local_cluster_gives_the_numbers_of_local_processes(tiny):
    spun = tiny.override({"burn_in_days": 10})  # arms share a burn-in: grouped jobs go through both executors
    serial = compare(spun, ARMS, reps=2, days=15, window=10, workers=1)
    local = compare(spun, ARMS, reps=2, days=15, window=10, workers=2)
    dask = compare(spun, ARMS, reps=2, days=15, window=10, workers=2, executor="dask", scheduler="local")
    pd.testing.assert_frame_equal(serial, local)
    pd.testing.assert_frame_equal(local, dask)


@pytest.mark.slow
def test_local_cluster_workers_share_the_cores(monkeypatch):
    from simulation import threads
    from simulation.study.executors import dask_client

    monkeypatch.setattr(threads, "_threads", 6)  # as on a 6-core machine (this one may have 2)
    with dask_client("local", 2) as client:
        assert set(client.run(threads.threads).values()) == {3}


@pytest.mark.slow
def test_killed_worker_mid_study_still_completes(tiny, tmp_path):
    from distributed import Client, LocalCluster

    plan = Plan(base=tiny, arms=parse_arms(ARMS), reps=6, days=30, window=10)
    reference = run_plan(plan, Store(tmp_path / "ref"))
    store = Store(tmp_path / "dask")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one_when_running() -> None:
            deadline = time.time() + 60
            while time.time() < deadline:
                done = len(list(store.parts.glob("*.json"))) if store.parts.is_dir() else 0
                if done:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(done)
                    return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_one_when_running)
        killer.start()
        out = run_plan(plan, store, executor="dask", scheduler=cluster.scheduler_address)
        killer.join()
    assert killed and killed[0] < 18, "no worker was killed while runs remained"
    assert len(out.runs) == 18 and out.runs["key"].is_unique and not out.failed
    pd.testing.assert_frame_equal(out.runs, reference.runs)
    pd.testing.assert_frame_equal(out.effects, reference.effects)
