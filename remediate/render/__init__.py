"""Rendering plans into a reviewable bundle: scripts per host, .reg files, plan.json, REVIEW.md.

May import: the layers below it (core, policy, inventory, diagnosis, operations, strategies,
planner) and remediate.report.
"""
