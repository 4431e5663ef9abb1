"""REVIEW.md and `plan --format markdown` show every value as written, once a Markdown renderer
(CommonMark with GitHub's tables, as GitHub, GitLab and Azure DevOps render it) has read them:
no raw HTML that vanishes (`<Default Web Site>`), no emphasis out of `_` or `*`, no backslash lost
from a UNC path. One filter does it (remediate/render/templating.py: md, mdcode, mdfence)."""

from __future__ import annotations

import html
import re

import pytest
import yaml
from markdown_it import MarkdownIt

from remediate.render.templating import markdown_code, markdown_text

from conftest import EXAMPLES, run_cli

POLICY = EXAMPLES / "policies" / "reports-share.yaml"
INVENTORY = EXAMPLES / "example" / "hosts.yml"
SITE = "<Default Web Site>"
PATH = "\\\\fs01\\re_p[o]_rts"        # _ and [ ] are Markdown; * may not be in a share name
ACCOUNT = "CONTOSO\\svc_~~web~~_`x`"      # Markdown strikethrough and code; * may not be in a user name


def shown(markdown: str) -> str:
    """The text a reader sees: rendered, tags dropped, entities decoded."""
    rendered = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)
    assert "<em>" not in rendered and "<s>" not in rendered and "<a " not in rendered, rendered
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


@pytest.fixture
def hostile(tmp_path):
    data = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    data["iis"]["site"] = SITE
    data["resource"]["path"] = PATH
    data["access"]["account"] = ACCOUNT
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_review_md_shows_values_as_written(tmp_path, hostile, monkeypatch):
    monkeypatch.setenv("SVC_REPORTS_PASSWORD", "x")
    out = tmp_path / "out"
    result = run_cli("render", hostile, "-i", INVENTORY, "-o", out)
    assert result.returncode == 0, result.stderr
    text = shown((out / "REVIEW.md").read_text(encoding="utf-8"))
    for value in (SITE, PATH, ACCOUNT, "IUSR_WEB01", "file_server", "set_metabase_property"):
        assert value in text, value


def test_the_markdown_plan_shows_values_as_written(hostile):
    result = run_cli("plan", hostile, "-i", INVENTORY, "--format", "markdown")
    assert result.returncode == 0, result.stderr
    text = shown(result.stdout)
    for value in (SITE, PATH, ACCOUNT):
        assert value in text, value


@pytest.mark.parametrize("value", ["<b>x</b>", "a_b_c", "*x*", "\\\\fs01\\x", "- item", "1. one", "# h", "a|b",
                                   "[l](http://x)", "~~s~~", "&lt;", "`tick`", "x\\", "!"])
def test_each_special_character_survives_in_prose_and_in_a_table(value):
    assert shown(f"- {markdown_text(value)}\n").strip() == value
    cell = MarkdownIt("commonmark").enable("table").render(f"| h |\n|---|\n| {markdown_text(value)} |\n")
    assert html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<td>(.*?)</td>", cell).group(1))) == value
    assert shown(f"x {markdown_code(value)} y\n").strip() == f"x {value} y"
