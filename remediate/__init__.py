"""remediate: plan and render fixes for IIS applications that cannot reach network resources."""

__version__ = "0.1.0"
