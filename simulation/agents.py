"""Mesa agents: thin views over the population arrays, and the organisations.

A ``Resident`` stores only its index; every attribute reads (and, for the
dynamic state, writes) the arrays in ``model.pop`` (DESIGN rule 1). The
organisations are a few dozen agents whose state is plain Python; the
vectorised phases read their capacities and calendars.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from simulation.population import TRUST_TARGETS
from simulation.scenario import AGE_GROUPS

if TYPE_CHECKING:
    from simulation.model import CommunityModel
    from simulation.scenario import GovernmentUnit as UnitSpec
    from simulation.scenario import Organiser


class Resident(mesa.Agent):
    """One adult resident; a live view of row ``index`` of the population arrays."""

    def __init__(self, model: CommunityModel, index: int):
        super().__init__(model)
        self.index = int(index)

    @property
    def _pop(self):
        return self.model.pop

    @property
    def household(self) -> int:
        return int(self._pop.household[self.index])

    @property
    def building(self) -> int:
        return int(self._pop.building[self.index])

    @property
    def compound(self) -> int:
        return int(self._pop.compound[self.index])

    @property
    def community(self) -> int:
        return int(self._pop.community[self.index])

    @property
    def age_group(self) -> str:
        return AGE_GROUPS[int(self._pop.age_group[self.index])]

    @property
    def is_party_member(self) -> bool:
        return bool(self._pop.party[self.index])

    @property
    def free_time(self) -> float:
        return float(self._pop.free_time[self.index])

    @property
    def digital_access(self) -> bool:
        return bool(self._pop.digital[self.index])

    @property
    def trust(self) -> dict[str, float]:
        """Current trust (0..1) in each target."""
        row = self._pop.trust[self.index]
        return {t: float(row[i]) for i, t in enumerate(TRUST_TARGETS)}

    @property
    def efficacy(self) -> float:
        return float(self._pop.efficacy[self.index])

    @property
    def engaged(self) -> bool:
        return bool(self._pop.engaged[self.index])

    @property
    def acquaintances(self) -> list[int]:
        """Resident indices of this resident's acquaintances."""
        return self.model.network.neighbours(self.index).tolist()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(index={self.index}, {self.age_group}, compound={self.compound})"


class PartyMember(Resident):
    """A resident who is a Party member (same arrays, ``pop.party`` is set)."""


class Organisation(mesa.Agent):
    """Base for the organisations; ``community`` is the community it serves (-1: the whole street)."""

    kind: str = ""

    def __init__(self, model: CommunityModel, name: str, community: int = -1):
        super().__init__(model)
        self.name = name
        self.community = community

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, community={self.community})"


class CaseHandler(Organisation):
    """An organisation that takes cases: capacity in cases per day, success chance, handling time."""

    trust_target: int = 0  # column of pop.trust its outcomes move

    def __init__(self, model, name, community, capacity: float, success: float, work_days: float):
        super().__init__(model, name, community)
        self.capacity = float(capacity)
        self.success = float(success)
        self.work_days = float(work_days)
        self.handler_id = -1  # set when the model indexes its handlers


class CommunityCommittee(CaseHandler):
    """The community Party committee and residents' committee (社区党委/居委会).

    Case capacity = staff x hours x (1 - administrative burden) / hours per case.
    """

    kind = "committee"
    trust_target = 0

    def __init__(
        self,
        model,
        community: int,
        staff: int,
        hours: float,
        admin_burden: float,
        hours_per_case: float,
        success: float,
        work_days: float,
    ):
        self.staff = staff
        self.staff_hours_per_day = hours
        self.admin_burden = admin_burden
        self.hours_per_case = hours_per_case
        self.extra_capacity = 0.0  # cases per day added by interventions (e.g. four-party teams)
        super().__init__(model, f"committee {community}", community, 0.0, success, work_days)
        self.update_capacity()

    def update_capacity(self) -> None:
        """Recompute case capacity after a change of staff, burden or extra capacity."""
        free_hours = self.staff * self.staff_hours_per_day * (1.0 - self.admin_burden)
        self.capacity = free_hours / self.hours_per_case + self.extra_capacity


class PartyBranch(Organisation):
    """A compound Party branch (小区党支部); its members relay issues and mobilise neighbours."""

    kind = "party_branch"

    def __init__(self, model, compound: int, community: int):
        super().__init__(model, f"party branch {compound}", community)
        self.compound = compound


class Enterprise(CaseHandler):
    """A property-management company (one per managed compound) or a resident unit (驻区单位)."""

    trust_target = 2

    def __init__(
        self,
        model,
        name,
        community,
        kind: str,
        compound: int = -1,
        capacity: float = 0.0,
        success: float = 0.0,
        work_days: float = 1.0,
        spec: Organiser | None = None,
    ):
        super().__init__(model, name, community, capacity, success, work_days)
        self.kind = kind
        self.compound = compound
        self.spec = spec
        self.joined = spec.joined if spec is not None else False  # resident unit registered (双报到)


class NGO(Organisation):
    """A social organisation: cultural-sports, public-welfare or social-work agency (社工机构)."""

    def __init__(self, model, name, community, kind: str, spec: Organiser):
        super().__init__(model, name, community)
        self.kind = kind
        self.spec = spec
        self.joined = spec.joined  # offers its resources to the community pool


class GovernmentUnit(CaseHandler):
    """A government unit (city, district or street level) with domains and a case capacity."""

    kind = "government"
    trust_target = 1

    def __init__(self, model, spec: UnitSpec, communities: int = 1):
        super().__init__(model, spec.name, -1, spec.capacity * communities, spec.success, spec.work_days)
        self.level = spec.level
        self.domains = list(spec.domains)
