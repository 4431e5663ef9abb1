"""Exit statuses shared by every command (docs/policy.md, exit codes)."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    INTERNAL_ERROR = 1
    BAD_INPUT = 2
    INFEASIBLE = 3
    TASK_FAILED = 4
    UNREACHABLE = 5
