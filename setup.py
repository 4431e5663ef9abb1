"""Packaging that pyproject.toml cannot say: every package under remediate/ (a new strategy folder
needs no entry here) plus the top-level templates/ folder, installed as remediate.templates."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["remediate", "remediate.*"]), "remediate.templates"],
      package_dir={"remediate.templates": "templates"})
