"""Rendering plans into a reviewable bundle: scripts per host, .reg files, plan.json, REVIEW.md."""
