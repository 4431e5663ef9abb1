"""Jinja2 templates: how plans, reviews and scripts are written (never what they decide)."""
