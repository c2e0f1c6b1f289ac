"""The metrics kernels: the same numbers as the plain numpy formulas they replaced."""

import numpy as np
import pytest

from simulation.kernels import issue_metrics, km_restricted_mean, median_of_ints, pairwise_sum, resident_measures
from simulation.metrics import GOVERNANCE_DAYS, GROUPS, ISSUE_DAYS, PARTICIPATION_DAYS, measure
from simulation.processes.issues import CLOSED, NO_DAY, RESOLVED


def _km_numpy(durations, closed, horizon):
    """Kaplan-Meier restricted mean as a textbook numpy formula (the oracle)."""
    if len(durations) == 0:
        return float("nan")
    t = np.minimum(durations, horizon).astype(np.float64)
    event = closed & (durations <= horizon)
    times = np.unique(t[event])
    at_risk = np.array([np.sum(t >= x) for x in times])
    deaths = np.array([np.sum(t[event] == x) for x in times])
    surv = np.cumprod(1.0 - deaths / at_risk) if len(times) else np.empty(0)
    edges = np.concatenate([[0.0], times, [horizon]])
    levels = np.concatenate([[1.0], surv])
    return float(np.sum(levels * np.diff(edges)))


@pytest.mark.parametrize("scale", [1.0, 1e-8, 1e8])
def test_pairwise_sum_equals_numpys_sum_bit_for_bit(scale):
    rng = np.random.default_rng(3)
    for n in [*range(0, 140), 255, 256, 257, 1000, 4099]:
        a = rng.random(n) * scale - rng.random(n) * scale / 3
        assert pairwise_sum(a) == np.sum(a), n


def test_kaplan_meier_mean_known_values_and_oracle():
    # Nothing censored: the restricted mean is the mean of the durations cut at the horizon.
    assert km_restricted_mean(np.array([1, 2, 3]), np.ones(3, bool), 90) == pytest.approx(2.0)
    assert km_restricted_mean(np.array([5, 200]), np.ones(2, bool), 90) == pytest.approx((5 + 90) / 2)
    # One of two censored at 4 after an event at 2: S = 1/2 from day 2 to the horizon.
    assert km_restricted_mean(np.array([2, 4]), np.array([True, False]), 10) == pytest.approx(2 + 0.5 * 8)
    assert np.isnan(km_restricted_mean(np.zeros(0, np.int64), np.zeros(0, bool), 90))
    rng = np.random.default_rng(5)
    for m in [1, 2, 7, 40, 300]:
        d = rng.integers(0, 120, m)
        c = rng.random(m) < 0.7
        assert km_restricted_mean(d, c, 90) == _km_numpy(d, c, 90.0)


def test_median_of_ints_equals_numpy():
    rng = np.random.default_rng(8)
    for m in [1, 2, 3, 10, 11, 500]:
        x = rng.integers(0, 60, m).astype(np.int32)
        assert median_of_ints(x) == np.median(x)


def test_issue_metrics_equal_the_numpy_formulas(baseline_run):
    m = baseline_run
    log, day, cw = m.issues, m.day, m.scenario.casework
    longest = cw.max_days + m.scenario.issues.grievance_days
    got = issue_metrics(
        log.raised, log.reported, log.closed, log.outcome, log.stage, log.size, log.open,
        day, ISSUE_DAYS, longest, cw.satisfied_within_days, NO_DAY, RESOLVED, CLOSED,
    )  # fmt: skip
    n = log.size
    raised, reported, closed = log.raised[:n], log.reported[:n], log.closed[:n]
    outcome, stage = log.outcome[:n], log.stage[:n]
    w = raised > day - ISSUE_DAYS
    in_window = (closed > day - ISSUE_DAYS) & (stage == CLOSED)
    res = in_window & (outcome == RESOLVED)
    cases = in_window & (reported != NO_DAY)
    ok = outcome[cases] == RESOLVED
    rep = reported > day - ISSUE_DAYS
    done = stage[rep] == CLOSED
    want = (
        np.mean(reported[w] == NO_DAY),
        np.mean(outcome[w] == RESOLVED),
        np.median(closed[res] - raised[res]),
        ok.mean(),
        np.mean(ok & ((closed[cases] - reported[cases]) <= cw.satisfied_within_days)),
        _km_numpy(np.where(done, closed[rep], day) - reported[rep], done, float(ISSUE_DAYS)),
        np.count_nonzero(stage != CLOSED),
    )
    assert w.sum() > 50 and res.sum() > 20 and rep.sum() > 20 and (~done).any()  # a real test
    assert got == want


def test_used_share_equals_the_numpy_mean_of_capped_ratios():
    from simulation.kernels import used_share

    rng = np.random.default_rng(8)
    for _ in range(50):
        available = rng.random((30, 3)) * 100 * (rng.random(3) < 0.7)  # kinds not offered: all 0
        used = available * rng.random((30, 3)) * 1.5
        a, u = available.sum(axis=0), used.sum(axis=0)
        want = float(np.mean(np.minimum(u[a > 0] / a[a > 0], 1.0))) if (a > 0).any() else 0.0
        assert used_share(used, available) == want


def test_resident_measures_equal_numpys_shares_means_and_counts():
    rng = np.random.default_rng(5)
    n = 5_000
    combos = (np.arange(64)[:, None] >> np.arange(6)) & 1
    cell = rng.choice(np.flatnonzero(combos[:, 3] == 0), n) | 1  # group 3 empty; all residents in group 0
    activity, governance, report = (rng.integers(-1, 100, n).astype(np.int32) for _ in range(3))
    voted = rng.random(n) < 0.4
    trust, efficacy = rng.random((n, 5), np.float32), rng.random(n, np.float32)
    outside, contact = rng.integers(0, 4, n), rng.integers(-1, 100, n).astype(np.int32)
    month, quarter, week = 70, 10, 93
    members = combos[cell].astype(bool)  # (residents, groups)
    sizes = members.astype(np.float32).sum(axis=0)
    flags = ((activity > month) | (governance > month), activity > month, governance > quarter, report > quarter, voted)
    counts = np.array([[np.count_nonzero(f & members[:, g]) for g in range(6)] for f in flags], np.float32)
    want = counts / np.where(sizes > 0, sizes, np.float32(1.0))
    want[:, 3] = np.nan
    shares, trust_means, efficacy_mean, isolated, weekly = resident_measures(
        cell, combos, sizes, activity, governance, report, voted, month, quarter, trust, efficacy, outside,
        contact, week,
    )  # fmt: skip
    np.testing.assert_array_equal(shares, want)
    assert np.array_equal(trust_means, trust.mean(axis=0, dtype=np.float64))
    assert efficacy_mean == efficacy.mean(dtype=np.float64)
    assert (isolated, weekly) == (np.count_nonzero(outside == 0), np.count_nonzero(contact > week))


def test_group_rates_are_the_shares_in_each_group(baseline_run):
    m = baseline_run
    pop, day = m.pop, m.day
    out = measure(m, day)
    flags = {
        "activity_participation_rate": pop.last_activity > day - PARTICIPATION_DAYS,
        "reporting_rate": pop.last_report > day - GOVERNANCE_DAYS,
    }
    for name, flag in flags.items():
        assert out[name] == pytest.approx(flag.mean(), rel=1e-6)
        for grp in GROUPS:
            assert out[f"{name}_{grp}"] == pytest.approx(flag[m.group_masks[grp]].mean(), rel=1e-6), (name, grp)


def test_window_counts_equal_the_numpy_slices_and_search():
    from simulation.kernels import window_counts

    rng = np.random.default_rng(6)
    held = rng.integers(0, 4, 64).astype(np.int32)
    places, attendees = rng.integers(0, 90, 64), rng.integers(0, 60, 64)
    proposals = np.sort(rng.integers(0, 200, 40)).astype(np.int32)
    for lo, hi, after in [(0, 1, -1), (5, 35, 17), (40, 64, 199), (50, 80, 120), (0, 0, 0)]:
        got = window_counts(held, places, attendees, lo, hi, proposals, after)
        want = (held[lo:hi].sum(), places[lo:hi].sum(), attendees[lo:hi].sum())
        assert got[:3] == tuple(int(v) for v in want), (lo, hi)  # (past the end: as a slice clamps)
        assert got[3] == len(proposals) - np.searchsorted(proposals, after, side="right")
