"""Test doubles and helpers: the WS-Management endpoint, the KDC, certificates, script checks."""
