"""The README and docs/ stay true to the code: their tables match the catalogue, their examples
validate, their links resolve, and they never send users outside the repository."""

import re
from pathlib import Path

import pytest

from remediate.policy import STRATEGY_IDS, load_policies
from remediate.policy.catalogue import ORDERS
from remediate.strategies import BY_ID, CATALOGUE

from conftest import EXAMPLES, ROOT

README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))
USER_PAGES = [ROOT / "README.md", *DOCS]
POLICY_DOC = (ROOT / "docs" / "policy.md").read_text()


def table(text: str, first_header: str) -> list[dict[str, str]]:
    """The rows of the Markdown table whose header starts with `first_header`, keyed by header."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    headers = [cell.strip() for cell in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(dict(zip(headers, (cell.strip() for cell in line.strip("|").split("|")), strict=True)))
    return rows


def id_of(cell: str) -> str:
    return cell.strip("`")


@pytest.mark.parametrize("page", ["README.md", "docs/policy.md"])
def test_strategy_table_matches_the_catalogue(page):
    rows = table((ROOT / page).read_text(), "id")
    assert [id_of(r["id"]) for r in rows] == list(STRATEGY_IDS)
    for row, strategy in zip(rows, CATALOGUE, strict=True):
        assert row["IIS"] == strategy.versions_text
        assert row["roles"] == ", ".join(strategy.roles)
        assert row["risk"] == strategy.risk


def test_policy_doc_orders_match_the_planner():
    rows = {id_of(r["`access.as`"]): r["order"] for r in table(POLICY_DOC, "`access.as`")}
    assert set(rows) == set(ORDERS)
    service = ", ".join(ORDERS["service-account"])
    for access_as, order in ORDERS.items():
        text = rows[access_as].replace("the service-account order", service)
        text = text.replace(", then ", ", ").replace(" (set to network)", "")
        assert [s.strip() for s in text.split(",")] == list(order), access_as
    assert all(sid in BY_ID for order in ORDERS.values() for sid in order)


def test_readme_lists_every_example_policy():
    for path in (EXAMPLES / "policies").glob("*.yaml"):
        assert f"`{path.stem}`" in README


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/pytest"
    assert command in README
    assert command in ci


def test_every_folder_of_code_is_a_package_a_non_editable_install_finds():
    """setup.py installs what find_packages finds: a folder of modules without __init__.py would be
    left out of a wheel and fail only after installation."""
    folders = {p.parent for p in (ROOT / "remediate").rglob("*.py")}
    assert [str(f) for f in folders if not (f / "__init__.py").exists()] == []


YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.M | re.S)


def yaml_examples() -> list[tuple[str, int, str]]:
    out = []
    for page in USER_PAGES:
        text = page.read_text()
        for match in YAML_BLOCK.finditer(text):
            out.append((page.name, text.count("\n", 0, match.start()) + 1, match.group(1)))
    return out


def test_the_docs_have_yaml_examples():
    assert len(yaml_examples()) >= 4


@pytest.mark.parametrize("page, line, example", yaml_examples(), ids=lambda v: str(v)[:20])
def test_every_yaml_example_in_readme_and_docs_is_a_valid_policy(tmp_path, page, line, example):
    path = tmp_path / f"{Path(page).stem}-{line}.yaml"
    path.write_text(example)
    assert load_policies([path])


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", page.read_text(), re.M)}


LINK = re.compile(r"\]\(([^)\s]+)\)")


def relative_links() -> list[tuple[str, str]]:
    return [(page.relative_to(ROOT).as_posix(), target)
            for page in USER_PAGES for target in LINK.findall(page.read_text())
            if not re.match(r"[a-z]+:", target)]


def test_the_pages_have_relative_links():
    assert len(relative_links()) > 20


@pytest.mark.parametrize("page, target", relative_links())
def test_every_relative_link_resolves_in_the_repository(page, target):
    path, _, anchor = target.partition("#")
    source = ROOT / page
    resolved = (source.parent / path).resolve() if path else source
    assert resolved.is_relative_to(ROOT), f"{page}: {target} leaves the repository"
    assert resolved.exists(), f"{page}: {target} does not exist"
    if anchor:
        assert resolved.suffix == ".md" and anchor in anchors(resolved), f"{page}: no heading for #{anchor}"


@pytest.mark.parametrize("page", USER_PAGES, ids=lambda p: p.name)
def test_no_page_points_outside_the_repository(page):
    lines = [line for line in page.read_text().splitlines() if "../shared" in line or "shared/spec" in line]
    assert lines == []
