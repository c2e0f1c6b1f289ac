"""A paired run: the baseline and the same community with remedies, same seed, in lockstep.

Pure Python (no user interface), so the app, the notebook, the tests and the
benchmark drive the same object. Both models start from one scenario with the
same seed (common random numbers), so every difference between them comes
from the remedies.

Remedies are switched on in the remedy model only: at day 0 they are part of
its scenario; during a run ``model.switch_on`` adds them from the next day.
No remedy can be switched off cleanly (their set-up changes agents, levers
and organisers), so switching one off resets the run to day 0 with the
remaining remedies, all from set-up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simulation.app import adapter
from simulation.model import CommunityModel
from simulation.scenario import Scenario, ScenarioError

SEED_MAX = 2**32 - 1


@dataclass
class Remedy:
    key: str
    since: int  # day it was switched on (0: from set-up); it acts from the next day on
    params: dict[str, Any] = field(default_factory=dict)


def without_interventions(scn: Scenario) -> Scenario:
    data = scn.model_dump()
    data["interventions"] = {}
    return Scenario.model_validate(data)


def check_seed(seed: Any) -> int:
    """The seed as an int, or a ScenarioError naming the field and the allowed range."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise ScenarioError(f"seed: must be a whole number from 0 to {SEED_MAX} (got {seed!r})")
    return seed


class PairedRun:
    """Baseline and remedy models of ``scenario`` with seed ``seed``.

    ``scenario`` may switch interventions on: they start as the chosen
    remedies (the baseline never has any). ``overrides`` are dotted fields
    applied to both sides (the app's sliders).
    """

    def __init__(self, scenario: Scenario, seed: int = 1, overrides: dict[str, Any] | None = None):
        self.lock = threading.RLock()  # the play loop and the buttons may act from different threads
        self.source = scenario
        self.seed = check_seed(seed)
        self.overrides: dict[str, Any] = dict(overrides or {})
        self.remedies: dict[str, Remedy] = {
            key: Remedy(key, 0, dict(params)) for key, params in scenario.interventions.items()
        }
        self._build_baseline()
        self._build_remedy()

    # -- building ------------------------------------------------------------
    def _base_scenario(self) -> Scenario:
        scn = without_interventions(self.source)
        return scn.override(self.overrides, source="app") if self.overrides else scn

    def _build_baseline(self) -> None:
        self.baseline = CommunityModel(scenario=self._base_scenario(), rng=self.seed)
        self._baseline_day0 = adapter.snapshot(self.baseline)

    def _build_remedy(self) -> None:
        # The same community at day 0 (burn-in done once, on the baseline side), remedies switched on.
        self.remedy = adapter.restore(self._baseline_day0)
        for r in self.remedies.values():
            self.remedy.switch_on(r.key, **{k: v for k, v in r.params.items() if k != "start_day"})

    # -- state -----------------------------------------------------------------
    @property
    def day(self) -> int:
        return adapter.day(self.baseline)

    @property
    def scenario_name(self) -> str:
        return self.source.name

    def is_on(self, key: str) -> bool:
        return key in self.remedies

    # -- actions ---------------------------------------------------------------
    def step(self, days: int = 1) -> None:
        """Advance both models ``days`` days, one day each in turn."""
        with self.lock:
            for _ in range(days):
                self.baseline.step()
                self.remedy.step()

    def switch_on(self, key: str) -> None:
        """Switch remedy ``key`` on in the remedy model, from the next day (at day 0: from set-up)."""
        with self.lock:
            if key in self.remedies:
                return
            if key not in adapter.remedies():
                raise ScenarioError(f"remedy: unknown intervention {key!r} (known: {', '.join(adapter.remedies())})")
            params = {k: v for k, v in self.source.interventions.get(key, {}).items() if k != "start_day"}
            self.remedies[key] = Remedy(key, self.day, params)
            if self.day == 0:
                self._build_remedy()
            else:
                self.remedy.switch_on(key, **params)

    def switch_off(self, key: str) -> None:
        """Switch remedy ``key`` off: back to day 0 with the remaining remedies."""
        with self.lock:
            self.remedies.pop(key, None)
            self.reset()

    def reset(self) -> None:
        """Back to day 0; the remedies that are on act from set-up."""
        with self.lock:
            for r in self.remedies.values():
                r.since = 0
            self.baseline = adapter.restore(self._baseline_day0)
            self._build_remedy()

    def configure(self, scenario: Scenario | None = None, seed: int | None = None, overrides=None) -> None:
        """A new scenario, seed or slider values: both sides rebuilt at day 0.

        A new scenario also brings its own remedies. Invalid values raise
        ``ScenarioError`` and leave the run as it was.
        """
        with self.lock:
            new = PairedRun(
                scenario if scenario is not None else self.source,
                self.seed if seed is None else seed,
                self.overrides if overrides is None else overrides,
            )
            if scenario is None:
                new.remedies = {k: Remedy(k, 0, r.params) for k, r in self.remedies.items()}
                new._build_remedy()
            self.__dict__.update({k: v for k, v in new.__dict__.items() if k != "lock"})

    # -- data ------------------------------------------------------------------
    def history(self) -> pd.DataFrame:
        """Daily metrics of both sides: columns day, arm ("baseline" / "remedy"), then every metric."""
        with self.lock:
            frames = []
            for arm, model in (("baseline", self.baseline), ("remedy", self.remedy)):
                df = adapter.metrics_history(model)
                df.insert(1, "arm", arm)
                frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def export_frame(self) -> pd.DataFrame:
        """The run's data for a CSV file: scenario, seed and remedies on every row, then history()."""
        df = self.history()
        df.insert(0, "scenario", self.scenario_name)
        df.insert(1, "seed", self.seed)
        on = "+".join(f"{k}@{r.since}" for k, r in self.remedies.items())
        df.insert(2, "remedies", on)
        return df

    def now(self) -> tuple[dict[str, float], dict[str, float]]:
        """Current metrics of (baseline, remedy)."""
        with self.lock:
            return adapter.metrics_now(self.baseline), adapter.metrics_now(self.remedy)
