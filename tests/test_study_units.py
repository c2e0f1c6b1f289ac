"""Study pieces without simulation: arm grammar, costs, paired effects, ranking, PRCC, the store."""

import math
import os
import stat

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation import INTERVENTIONS, Scenario, ScenarioError
from simulation.study.arms import apply_sets, arm_cost, check_differs, parse_arm, parse_arms
from simulation.study.design import Design, sample_points
from simulation.study.effects import FLAG_CI_ZERO, FLAG_HARMFUL, paired_effects, ranking
from simulation.study.sensitivity import prcc
from simulation.study.store import Store, atomic_write


def test_arm_grammar_parses_keys_params_and_plus():
    arm = parse_arm("joint_meetings(every_days=7, referral_days_saved=2) + whistle_report")
    assert arm.name == "joint_meetings(every_days=7,referral_days_saved=2)+whistle_report"
    assert arm.interventions == {"joint_meetings": {"every_days": 7, "referral_days_saved": 2}, "whistle_report": {}}
    scn = arm.apply(Scenario())
    assert scn.interventions["joint_meetings"] == {"every_days": 7, "referral_days_saved": 2}
    assert "whistle_report" in scn.interventions


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("joint_meetings(every_days=0)", ["interventions.joint_meetings.every_days", "1..365", "got 0"]),
        ("joint_meetings(evry_days=3)", ["joint_meetings.evry_days", "unknown field"]),
        ("no_such_thing", ["unknown intervention 'no_such_thing'", "joint_meetings"]),
        ("joint_meetings(every_days=7", ["missing ')'"]),
        ("joint_meetings(every_days 7)", ["name=value"]),
        ("joint_meetings++whistle_report", ["empty part"]),
        ("joint_meetings+joint_meetings", ["appears twice"]),
    ],
)
def test_bad_arm_is_one_clear_line(text, words):
    with pytest.raises(ScenarioError) as err:
        parse_arm(text, "study.toml: arms")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"study.toml: arms {text!r}")
    for w in words:
        assert w in msg


def test_arm_params_replace_the_base_ones_and_equal_arms_are_refused():
    base = apply_sets(Scenario(), ["interventions.joint_meetings.every_days=7"], "x --set")
    assert base.interventions == {"joint_meetings": {"every_days": 7}}
    # The same intervention with the base's parameters changes nothing: refused.
    for text in ("joint_meetings", "joint_meetings(every_days=7)"):
        with pytest.raises(ScenarioError, match="equals the baseline"):
            check_differs(base, parse_arm(text))
    check_differs(base, parse_arm("joint_meetings(every_days=14)"))
    assert parse_arm("joint_meetings(every_days=14)").apply(base).interventions["joint_meetings"]["every_days"] == 14
    with pytest.raises(ScenarioError, match="baseline is always run"):
        parse_arms(["baseline"])
    assert [a.name for a in parse_arms(["whistle_report", "whistle_report", "joint_meetings"])] == [
        "whistle_report",
        "joint_meetings",
    ]


def test_arm_cost_uses_cost_of_the_validated_params(monkeypatch):
    cls = INTERVENTIONS["joint_meetings"]

    def cost(klass, params=None):  # a cost that grows with the meeting frequency
        every = params.every_days if params is not None else 30
        return {"staff_hours": 24.0 * 30 / every, "money": 100.0}

    monkeypatch.setattr(cls, "cost", classmethod(cost))
    scn = Scenario()
    weekly, monthly = parse_arm("joint_meetings(every_days=7)"), parse_arm("joint_meetings")
    assert arm_cost(scn, monthly, staff_hour_cost=40) == pytest.approx(100 + 24 * 40)
    assert arm_cost(scn, weekly, staff_hour_cost=40) == pytest.approx(100 + 24 * 30 / 7 * 40)
    # Over a base that already pays for monthly meetings, weekly ones cost only the difference.
    base = monthly.apply(scn)
    assert arm_cost(base, weekly, staff_hour_cost=40) == pytest.approx(24 * (30 / 7 - 1) * 40)
    two = scn.override({"community.communities": 2})
    assert arm_cost(two, monthly, staff_hour_cost=40) == pytest.approx(2 * (100 + 24 * 40))


def _runs(diffs: dict[str, np.ndarray], base: np.ndarray, metric: str) -> pd.DataFrame:
    rows = [{"point": 0, "arm_index": 0, "arm": "baseline", "rep": r, metric: b} for r, b in enumerate(base)]
    for i, (arm, d) in enumerate(diffs.items(), 1):
        rows += [
            {"point": 0, "arm_index": i, "arm": arm, "rep": r, metric: b + x}
            for r, (b, x) in enumerate(zip(base, d, strict=True))
        ]
    return pd.DataFrame(rows)


def test_paired_effects_interval_effect_size_and_cost_per_point():
    rng = np.random.default_rng(1)
    base = rng.uniform(0.2, 0.4, 8)  # large between-rep spread: pairing removes it
    d = np.array([0.010, 0.012, 0.011, 0.009, 0.013, 0.010, 0.012, 0.011])
    e = paired_effects(_runs({"a": d}, base, "participation_rate"), {(0, "a"): 1000.0})
    r = e.set_index("metric").loc["participation_rate"]
    half = stats.t.ppf(0.975, 7) * d.std(ddof=1) / math.sqrt(8)
    assert r["diff"] == pytest.approx(d.mean())
    assert r.ci_low == pytest.approx(d.mean() - half) and r.ci_high == pytest.approx(d.mean() + half)
    assert r.effect_size == pytest.approx(d.mean() / d.std(ddof=1))
    assert r.flag == "" and r.cost_unit == "percentage point"
    assert r.cost_per_unit == pytest.approx(1000.0 / (d.mean() * 100))


def test_cost_is_blank_and_flagged_when_ci_includes_zero_or_harmful():
    base = np.linspace(0.3, 0.5, 6)
    noisy = np.array([0.02, -0.03, 0.01, -0.01, 0.02, -0.02])
    worse = np.full(6, 0.05) + np.linspace(0, 0.01, 6)
    runs = pd.concat(
        [
            _runs({"noisy": noisy, "worse": worse}, base, "trust_community"),
            _runs({"noisy": noisy, "worse": worse}, base * 10, "issue_resolution_days")[["issue_resolution_days"]],
        ],
        axis=1,
    )
    e = paired_effects(runs, {(0, "noisy"): 500.0, (0, "worse"): 500.0}).set_index(["arm", "metric"])
    assert e.loc[("noisy", "trust_community"), "flag"] == FLAG_CI_ZERO
    assert math.isnan(e.loc[("noisy", "trust_community"), "cost_per_unit"])
    # More days to resolve is worse: harmful, no cost per unit; more trust is better, costed per 0.01.
    assert e.loc[("worse", "issue_resolution_days"), "flag"] == FLAG_HARMFUL
    assert math.isnan(e.loc[("worse", "issue_resolution_days"), "cost_per_unit"])
    t = e.loc[("worse", "trust_community")]
    assert t.flag == "" and t.cost_unit == "0.01"
    assert t.cost_per_unit == pytest.approx(500.0 / (t["diff"] / 0.01))


def test_ranking_follows_each_metrics_direction():
    base = np.linspace(10, 20, 5)
    runs = _runs(
        {"slow": np.full(5, 2.0), "fast": np.full(5, -3.0), "mild": np.full(5, -1.0)}, base, "issue_resolution_days"
    )
    e = paired_effects(runs, {(0, a): 100.0 for a in ("slow", "fast", "mild")})
    r = ranking(e, ["issue_resolution_days"])
    assert r["arm"].tolist() == ["fast", "mild", "slow"]  # lower is better
    assert r["rank"].tolist() == [1, 2, 3]
    assert r["improvement"].tolist() == pytest.approx([3.0, 1.0, -2.0])


def test_prcc_finds_the_monotone_driver():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(60, 2))
    y = np.exp(3 * x[:, 0]) + 1.5 * rng.normal(size=60)
    (r0, lo0, hi0), (r1, lo1, hi1) = prcc(x, y)
    assert r0 > 0.8 and lo0 > 0.6 and hi0 < 1
    assert abs(r1) < 0.5 and lo1 < r1 < hi1


def test_design_sizes():
    p = {"a": {"low": 0, "high": 1}, "b": {"low": 2, "high": 4}}
    assert len(sample_points(Design(method="sobol", samples=4, parameters=p))) == 4 * (2 + 2)
    assert len(sample_points(Design(method="morris", samples=3, parameters=p))) == 3 * (2 + 1)
    lhs = sample_points(Design(method="lhs", samples=10, parameters=p))
    assert len(lhs) == 10 and lhs["b"].between(2, 4).all()
    # Latin hypercube: one sample in each of the 10 strata of every parameter.
    assert sorted(np.floor(lhs["a"] * 10).astype(int)) == list(range(10))
    grid = sample_points(Design(method="grid", parameters={"a": {"values": [1, 2]}, "b": {"values": [3, 4, 5]}}))
    assert len(grid) == 6 and grid["point"].tolist() == list(range(6))
    with pytest.raises(ValueError, match="power of 2"):
        Design(method="sobol", samples=6, parameters=p)


def test_atomic_write_mode_and_store_dedup(tmp_path):
    atomic_write(tmp_path / "x.txt", lambda p: open(p, "w").write("hi"))
    assert stat.S_IMODE(os.stat(tmp_path / "x.txt").st_mode) == 0o644
    assert not list(tmp_path.glob(".*.tmp"))
    store = Store(tmp_path / "res")
    row = {"key": "k1", "point": 0, "arm_index": 0, "arm": "baseline", "rep": 0, "seed": 0, "m": float("nan")}
    store.write_part("k1", row)
    first = store.compact()
    # A part that survived a crash between compaction and its removal is not counted twice.
    store.write_part("k1", row)
    store.write_part("k2", {**row, "key": "k2", "rep": 1, "m": 0.5})
    df = store.compact()
    assert len(first) == 1 and df["key"].tolist() == ["k1", "k2"] and math.isnan(df["m"].iloc[0])
    assert store.done_keys() == {"k1", "k2"} and not store.parts.exists()
    assert stat.S_IMODE(os.stat(store.root / "runs.parquet").st_mode) == 0o644


def test_workers_fork_from_a_server_that_preloads_the_package_and_spawn_where_there_is_none(monkeypatch):
    import multiprocessing

    from simulation.study import executors

    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = executors._worker_context()
        assert ctx.get_start_method() == "forkserver"
        # The server imports the package once, so each worker starts without importing it.
        from multiprocessing import forkserver

        assert "simulation.study.preload" in forkserver._forkserver._preload_modules
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert executors._worker_context().get_start_method() == "spawn"


def _kernels_loaded() -> int:
    from simulation import kernels

    return len(kernels.degroot_rows.signatures)


def test_workers_start_with_the_kernels_loaded():
    """A worker forked from the fork server has the day's compiled kernels loaded before its first run."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from simulation.study import executors

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork server on this platform")
    with ProcessPoolExecutor(max_workers=1, mp_context=executors._worker_context()) as pool:
        assert pool.submit(_kernels_loaded).result() >= 1


@pytest.mark.parametrize(
    "started, limit, driver_runs_one",
    [(False, None, True), (True, None, False), (False, 0, False)],
    ids=["first-sweep", "server-running", "group-too-long"],
)
def test_the_driver_runs_one_short_group_while_the_fork_server_starts(monkeypatch, started, limit, driver_runs_one):
    """The first sweep of a process runs its last group in the driver while the fork server imports the package
    (if the group is short), then the others in the pool; later sweeps, and long groups, go to the pool alone.
    The rows are those of a serial sweep either way."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from simulation.study import executors
    from simulation.study.arms import parse_arms
    from simulation.study.engine import Plan
    from simulation.study.runner import run_group

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork server on this platform")
    tiny = Scenario().scaled(adults=300).override({"burn_in_days": 3})
    specs = Plan(base=tiny, arms=parse_arms(["whistle_report"]), reps=3, days=8, window=4).specs()
    groups = [[s for s in specs if s.rep == r] for r in range(3)]  # a (point, rep)'s arms share the burn-in
    events: list = []

    class Pool(ProcessPoolExecutor):  # made in the driver only, never pickled
        def __init__(self, *args, **kwargs):
            events.append("pool")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(executors, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(executors, "_fork_server_started", started)
    if limit is not None:
        monkeypatch.setattr(executors, "OWN_GROUP_MAX_RESIDENT_DAYS", limit)
    rows = {}

    def on_result(row):
        events.append(row["key"])
        rows[row["key"]] = row

    executors.run_local(groups, on_result, lambda spec, text: pytest.fail(text), workers=2)
    last_group = [s.key for s in groups[-1]]
    if driver_runs_one:
        assert events[:3] == [*last_group, "pool"]
    else:
        assert events[0] == "pool"
    assert executors._fork_server_started
    serial = {spec.key: row for group in groups for spec, row, _ in run_group(group)}
    assert rows.keys() == serial.keys()
    pd.testing.assert_frame_equal(pd.DataFrame(rows).sort_index(axis=1), pd.DataFrame(serial)[sorted(rows)])
