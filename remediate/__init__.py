"""remediate: plan and render fixes for IIS applications that cannot reach network resources.

Rooms, lowest first (tests/test_layers.py keeps the order): core <- policy, inventory <-
diagnosis, operations <- strategies <- planner <- report, render <- apply <- cli.
"""

__version__ = "0.1.0"
