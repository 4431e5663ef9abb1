"""The access policy: its model, the rules of input, loading, and the strategy catalogue.

May import: remediate.core only.
"""

from remediate.policy.catalogue import ORDERS, STRATEGY_IDS
from remediate.policy.loading import load_policies
from remediate.policy.model import Policy, SecretRef

__all__ = ["ORDERS", "STRATEGY_IDS", "Policy", "SecretRef", "load_policies"]
