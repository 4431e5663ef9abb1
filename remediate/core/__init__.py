"""What every stage shares: errors and exit codes, versions, account names, cited sources, the
YAML reader with line numbers, process settings.

May import: nothing else of remediate.
"""
