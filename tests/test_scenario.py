"""Scenario files: loading, overrides, scaling, and one clear message per mistake."""

from pathlib import Path

import pytest

from simulation import Scenario, ScenarioError, load_scenario
from simulation.scenario import parse_override

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def _write(tmp_path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_baseline_file_restates_the_defaults():
    loaded = load_scenario(BASELINE).model_dump(exclude={"description"})
    assert loaded == Scenario().model_dump(exclude={"description"})


@pytest.mark.parametrize(
    ("text", "field", "expect"),
    [
        ("[community]\nadults = 'many'\n", "community.adults", "integer"),
        ("[community]\nadults = 5\n", "community.adults", "allowed range 10..2000000"),
        ("[casework]\nadmin_burden = 1.5\n", "casework.admin_burden", "allowed range 0..1"),
        ("[issues]\nrate_per_household_day = -0.1\n", "issues.rate_per_household_day", "allowed range 0..1"),
        ("[population.groups.young]\nfree_time = -1\n", "population.groups.young.free_time", "allowed range 0..1"),
        ("[community]\nadultz = 3000\n", "community.adultz", "unknown field"),
        ("colour = 'red'\n", "colour", "unknown field"),
        ("[network]\nkind = 'lattice'\n", "network.kind", "erdos_renyi"),
        ("[community]\ncompounds_per_community = 2\nthree_no_compounds = 3\n", "community", "at most"),
        ("[activities]\ncommittee_types = ['poetry']\n", "activities", "unknown activity type"),
        ("[interventions.nonexistent]\n", "interventions", "unknown intervention"),
    ],
)
def test_malformed_scenario_names_file_field_and_range(tmp_path, text, field, expect):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert str(path) in msg
    assert f": {field}" in msg
    assert expect in msg
    assert "\n" not in msg


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.toml")
    path = _write(tmp_path, "[community\nadults = 3")
    with pytest.raises(ScenarioError, match="not valid TOML") as err:
        load_scenario(path)
    assert str(path) in str(err.value)


def test_group_shares_must_sum_to_one(tmp_path):
    path = _write(tmp_path, "[population.groups.young]\nshare = 0.9\n")
    with pytest.raises(ScenarioError, match="sum to 1"):
        load_scenario(path)


def test_dotted_overrides_are_validated():
    scn = Scenario().override({"community.compounds_per_community": 4, "casework.admin_burden": 0.2})
    assert scn.community.compounds_per_community == 4
    assert scn.casework.admin_burden == 0.2
    with pytest.raises(ScenarioError, match="casework.admin_burden: .*allowed range 0..1"):
        Scenario().override({"casework.admin_burden": 3})
    with pytest.raises(ScenarioError, match="casework.admin_burdn: unknown field"):
        Scenario().override({"casework.admin_burdn": 0.1})
    with pytest.raises(ScenarioError, match="government.units.9: no such list item"):
        Scenario().override({"government.units.9.capacity": 1})


def test_parse_override_reads_toml_values():
    assert parse_override("a.b=3") == ("a.b", 3)
    assert parse_override("a.b = 0.5") == ("a.b", 0.5)
    assert parse_override("a.b=true") == ("a.b", True)
    assert parse_override("a.b=['x', 'y']") == ("a.b", ["x", "y"])
    assert parse_override("a.b=plain") == ("a.b", "plain")
    with pytest.raises(ScenarioError, match="key=value"):
        parse_override("nothing")


def test_scaled_keeps_structure_and_shares():
    base = Scenario()
    big = base.scaled(adults=30_000)
    assert big.community.adults == 30_000
    per_compound = base.community.adults / (base.community.communities * base.community.compounds_per_community)
    big_per_compound = 30_000 / (big.community.communities * big.community.compounds_per_community)
    assert abs(big_per_compound / per_compound - 1) < 0.2
    assert big.population == base.population
    small = base.scaled(adults=600)
    assert small.community.adults == 600 and small.community.compounds_per_community >= 1


def test_unknown_intervention_in_code():
    with pytest.raises(ScenarioError, match="unknown intervention 'teleport'"):
        Scenario().with_interventions("teleport")


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.stem)
def test_every_archetype_loads_runs_and_says_what_it_is(path):
    from simulation import CommunityModel

    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), "each scenario file opens with a comment saying what it represents"
    scn = load_scenario(path)
    assert scn.name == path.stem
    small = scn.scaled(adults=min(scn.community.adults, 1500))
    m = CommunityModel(scenario=small, rng=1)
    m.run_for(5)
    assert m.pop.n == small.community.adults


def test_archetypes_differ_as_described():
    from simulation import CommunityModel

    load = lambda name: load_scenario(ROOT / "scenarios" / f"{name}.toml")
    base = CommunityModel(load("baseline"), rng=1)
    stranger = CommunityModel(load("stranger_community"), rng=1)
    transitional = CommunityModel(load("transitional_community"), rng=1)
    three_no = CommunityModel(load("three_no_compounds"), rng=1)
    assert stranger.metrics()["isolated_share"] > base.metrics()["isolated_share"]
    assert (stranger.pop.age_group == 0).mean() > (base.pop.age_group == 0).mean()
    assert transitional.metrics()["ties_per_resident"] > base.metrics()["ties_per_resident"]
    assert transitional.metrics()["trust_community"] < base.metrics()["trust_community"]
    assert len(three_no.property_companies) < len(base.property_companies)
    assert load("street").community.adults >= 50_000 and load("street").community.communities >= 10
    assert len(load("integrated_package").interventions) == 14
