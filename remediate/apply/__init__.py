"""`remediate apply`: run each host's rendered script over WinRM (docs/apply.md).

framing (stdin and the bootstrap), runner (one host over pywinrm), faults (failures and
their fixes), result (REMEDIATE-RESULT -> status), schedule (role order, forks), secrets,
journal, output, command (the whole run). pywinrm is imported only when a host runs.

May import: every layer below it; only remediate.cli imports it.
"""
