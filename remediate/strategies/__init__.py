"""The strategies, one folder each (`<id with underscores>/strategy.py` plus `scenarios/*.yaml`),
loaded in the catalogue order of remediate.policy.catalogue, which alone names their ids.

May import: remediate.core, remediate.policy, remediate.diagnosis, remediate.operations.
"""

from __future__ import annotations

import inspect
from importlib import import_module

from remediate.policy.catalogue import STRATEGY_IDS, module_name
from remediate.strategies._shared.base import Assessment, Context, Strategy


def _load(strategy_id: str) -> Strategy:
    """The one Strategy class defined in the strategy's folder, given the catalogue's id."""
    module = import_module(f"{__name__}.{module_name(strategy_id)}.strategy")
    found = [cls for _, cls in inspect.getmembers(module, inspect.isclass)
             if issubclass(cls, Strategy) and cls.__module__ == module.__name__]
    if len(found) != 1:
        raise ImportError(f"{module.__name__} must define exactly one Strategy class, not {len(found)}")
    strategy = found[0]()
    strategy.id = strategy_id
    return strategy


CATALOGUE: tuple[Strategy, ...] = tuple(_load(sid) for sid in STRATEGY_IDS)
BY_ID = {s.id: s for s in CATALOGUE}

__all__ = ["CATALOGUE", "BY_ID", "Assessment", "Context", "Strategy"]
