"""cultural_sports_orgs: as many activities as public-welfare organisations, without their purpose."""

import numpy as np

from simulation import CommunityModel, Scenario


def run(*keys, days=120):
    scn = Scenario().scaled(adults=900).override({"burn_in_days": 0})
    m = CommunityModel(scenario=scn.with_interventions(*keys) if keys else scn, rng=3)
    m.run_for(days)
    return m


def test_a_cultural_sports_organisation_holds_activities_but_cuts_no_issue():
    base, culture, welfare = run(), run("cultural_sports_orgs"), run("public_welfare_orgs")
    ngo = {o.slot for o in culture.organisers if "cultural-sports organisation" in o.name}
    assert any(a.slot in ngo and a.attendees > 0 for a in culture.activity_log)
    # Same arrival draws and no rate cut: exactly the baseline's shared-need issues.
    shared = lambda m: np.isin(m.issues.domain[: m.issues.size], [0, 1, 3]).sum()  # noqa: E731
    assert shared(culture) == shared(base) and shared(welfare) < shared(base)
    # Its money enters the pool like the public-welfare organisation's.
    assert culture.pool.offer[0, 1] == welfare.pool.offer[0, 1] > base.pool.offer[0, 1]
    assert set(culture.streams.names()) - set(base.streams.names()) <= set()  # no draws of its own
