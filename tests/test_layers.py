"""The rooms keep their order: no module imports from a room above its own, and no import cycle.

Rooms, lowest first (remediate/__init__.py says the same): core <- policy, inventory <-
diagnosis, operations <- strategies <- planner <- report, render <- apply <- cli. A room may
import from its own rank and below; report and render share a rank, as do policy and inventory,
and diagnosis and operations.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "remediate"
RANKS = {"core": 0, "policy": 1, "inventory": 1, "diagnosis": 2, "operations": 2, "strategies": 3,
         "planner": 4, "report": 5, "render": 5, "apply": 6, "cli": 7}


def module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def imports(path: Path) -> list[tuple[str, int]]:
    """Every remediate module this file imports (relative imports resolved), with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = module_of(path)
    package = own if path.name == "__init__.py" else own.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((name, node.lineno))
            found += [(f"{name}.{alias.name}", node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name == "remediate" or name.startswith("remediate.")]


def known_modules() -> set[str]:
    return {module_of(p) for p in PACKAGE.rglob("*.py")}


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_room_is_ranked():
    rooms = {room_of(module_of(p)) for p in SOURCES} - {""}
    assert rooms <= set(RANKS), f"rooms without a rank: {rooms - set(RANKS)}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_no_import_goes_up(path):
    own = room_of(module_of(path))
    if not own:
        return                                  # remediate/__init__.py imports nothing
    modules = known_modules()
    upward = []
    for name, line in imports(path):
        if name not in modules and name.rsplit(".", 1)[0] in modules:
            name = name.rsplit(".", 1)[0]       # `from remediate.x import name` where name is not a module
        room = room_of(name)
        if room and RANKS[room] > RANKS[own]:
            upward.append(f"line {line}: {name} ({room}, above {own})")
    assert not upward, "\n".join(upward)


def test_no_cycle_between_modules():
    modules = known_modules()
    graph: dict[str, set[str]] = {}
    for path in SOURCES:
        targets = set()
        for name, _ in imports(path):
            while name and name not in modules:
                name = name.rsplit(".", 1)[0] if "." in name else ""
            if name and name != module_of(path):
                targets.add(name)
        graph[module_of(path)] = targets
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue                         # a package and its own modules (re-exports)
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            pytest.fail("import cycle: " + " -> ".join(cycle))
