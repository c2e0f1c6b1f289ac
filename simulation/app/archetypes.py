"""The archetype picker's choices: the scenario files of one folder."""

from __future__ import annotations

from pathlib import Path

from simulation.scenario import Scenario, ScenarioError, load_scenario

REPO_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def scenario_dir(given: Path | None = None) -> Path | None:
    """Where the archetypes are: the given file's folder, ./scenarios, or the repository's scenarios/."""
    if given is not None and given.is_file():
        return given.parent
    for d in (Path.cwd() / "scenarios", REPO_SCENARIOS):
        if d.is_dir() and any(d.glob("*.toml")):
            return d
    return None


def archetypes(folder: Path | None) -> dict[str, Path]:
    """Archetype name (file stem) -> scenario file, sorted, baseline first."""
    if folder is None:
        return {}
    files = {p.stem: p for p in sorted(folder.glob("*.toml"))}
    return dict(sorted(files.items(), key=lambda kv: (kv[0] != "baseline", kv[0])))


def resolve(spec: str | Path | None, folder: Path | None) -> tuple[str, Scenario]:
    """An archetype name or a scenario file -> (name, Scenario); nothing given: baseline."""
    if spec is None:
        choices = archetypes(folder)
        if "baseline" in choices:
            return "baseline", load_scenario(choices["baseline"])
        return "baseline", Scenario()
    path = Path(spec)
    if path.suffix == ".toml" or path.is_file():
        return path.stem, load_scenario(path)
    choices = archetypes(folder)
    if str(spec) not in choices:
        known = ", ".join(choices) or "none found"
        raise ScenarioError(f"SCENARIO: no archetype {str(spec)!r} (known: {known}; or give a .toml file)")
    return str(spec), load_scenario(choices[str(spec)])
