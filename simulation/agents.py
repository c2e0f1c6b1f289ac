"""Mesa agents: thin views over the population arrays, and the organisations.

A ``Resident`` stores only its index; every attribute reads (and, for the
dynamic state, writes) the arrays in ``model.pop`` (docs/ARCHITECTURE.md: arrays are the truth). The
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
    """An organisation that takes cases: a view of its row in ``model.handlers`` (arrays are the truth).

    ``capacity`` is in cases per day, ``success`` the chance a finished case
    ends resolved, ``work_days`` the mean handling days. An organisation that
    takes no cases (a resident unit) has ``handler_id`` -1 and capacity 0.
    """

    handler_id: int = -1

    @property
    def _table(self):
        return self.model.handlers

    @property
    def capacity(self) -> float:
        return float(self._table.capacity()[self.handler_id]) if self.handler_id >= 0 else 0.0

    @property
    def success(self) -> float:
        return float(self._table.success[self.handler_id]) if self.handler_id >= 0 else 0.0

    @property
    def work_days(self) -> float:
        return float(self._table.work_days[self.handler_id]) if self.handler_id >= 0 else 0.0

    @property
    def cases_worked(self) -> int:
        return int(self._table.cases_worked[self.handler_id]) if self.handler_id >= 0 else 0


class CommunityCommittee(CaseHandler):
    """The community Party committee and residents' committee (社区党委/居委会).

    Case capacity = staff x hours x (1 - administrative burden) / hours per case (+ extra).
    """

    kind = "committee"

    def __init__(self, model, community: int):
        super().__init__(model, f"committee {community}", community)

    @property
    def admin_burden(self) -> float:
        return float(self._table.admin_burden[self.handler_id])

    @property
    def staff(self) -> int:
        return int(self._table.staff[self.handler_id])


class PartyBranch(Organisation):
    """A compound Party branch (小区党支部): a view of its row in ``model.branch_table``.

    Its members relay issues and mobilise neighbours, as well as its ``strength`` allows.
    """

    kind = "party_branch"

    def __init__(self, model, compound: int, community: int):
        super().__init__(model, f"party branch {compound}", community)
        self.compound = compound

    @property
    def members(self) -> int:
        return int(self.model.branch_table.members[self.compound])

    @property
    def strength(self) -> float:
        return float(self.model.branch_table.strength[self.compound])


class Enterprise(CaseHandler):
    """A property-management company (one per managed compound, a case handler) or a resident unit (驻区单位)."""

    def __init__(self, model, name, community, kind: str, compound: int = -1, spec: Organiser | None = None):
        super().__init__(model, name, community)
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
    """A government unit (city, district or street level) with domains; capacity and speed in ``model.handlers``."""

    kind = "government"

    def __init__(self, model, spec: UnitSpec):
        super().__init__(model, spec.name, -1)
        self.level = spec.level
        self.domains = list(spec.domains)
