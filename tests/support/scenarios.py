"""Strategy scenarios: each `remediate/strategies/<id>/scenarios/<name>.yaml` says, as data, a
policy (an example policy under inventories/policies plus overrides) and what must follow for
that strategy (in the spirit of pyinfra's operation fixtures and ComplianceAsCode's tests):

    summary: what the case is
    base: reports-share               # inventories/policies/<base>.yaml
    overrides: {iis: {version: "10.0"}}   # deep-merged; null removes a key
    expect:
      chosen: true                    # the planner picks this strategy
      feasible: false                 # or: assessed, and feasible or not (when not chosen)
      reasons: ["phrase", ...]        # each appears in one of the strategy's reasons
      steps: [set_iis_attribute, ...] # the operation kinds, in order (chosen or feasible)
      golden: true                    # a golden bundle is kept in tests/golden/<id>-<name>/
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from remediate.inventory import Inventory, load_inventory
from remediate.planner import Plan, make_plan
from remediate.policy import load_policies
from remediate.policy.catalogue import STRATEGY_IDS, module_name

from conftest import EXAMPLES, ROOT, merged

STRATEGIES = ROOT / "remediate" / "strategies"
EXPECT_KEYS = {"chosen", "feasible", "reasons", "steps", "golden"}


@dataclass(frozen=True)
class Scenario:
    strategy: str
    name: str
    summary: str
    base: str
    overrides: dict = field(hash=False)
    expect: dict = field(hash=False)

    @property
    def id(self) -> str:
        return f"{self.strategy}-{self.name}"

    @property
    def golden(self) -> bool:
        return bool(self.expect.get("golden"))

    def policy_data(self) -> dict:
        return merged(yaml.safe_load((EXAMPLES / "policies" / f"{self.base}.yaml").read_text()), self.overrides)

    def plan(self, folder: Path) -> Plan:
        """The plan of the scenario's policy, written as `<base>.yaml` into `folder` and loaded."""
        path = folder / f"{self.base}.yaml"
        path.write_text(yaml.safe_dump(self.policy_data(), sort_keys=False), encoding="utf-8")
        return make_plan(load_policies([path])[0], inventory())


@cache
def inventory() -> Inventory:
    return load_inventory(EXAMPLES / "example" / "hosts.yml")


def scenario_files() -> list[Path]:
    return sorted(STRATEGIES.glob("*/scenarios/*.yaml"))


@cache
def scenarios() -> tuple[Scenario, ...]:
    by_folder = {module_name(sid): sid for sid in STRATEGY_IDS}
    out = []
    for path in scenario_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out.append(Scenario(by_folder[path.parent.parent.name], path.stem, data["summary"], data["base"],
                            data.get("overrides") or {}, data["expect"]))
    return tuple(out)


def golden_scenarios() -> dict[str, Scenario]:
    return {s.id: s for s in scenarios() if s.golden}
