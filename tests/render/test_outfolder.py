"""What `-o DIR` replaces (remediate/render/outfolder.py): only a folder that holds exactly a
bundle remediate wrote, as its manifest records it; anything else is refused, exit 2, untouched.
Through the CLI, as a user runs it; `apply -o` writes through the same code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from remediate.render.outfolder import MANIFEST, manifest, write_folder

from conftest import EXAMPLES, run_cli

POLICY = EXAMPLES / "policies" / "reports-share.yaml"
OTHER = EXAMPLES / "policies" / "iusr-gmsa-pool.yaml"
INVENTORY = EXAMPLES / "example" / "hosts.yml"


def tree(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def render(out, *policies, cwd=None):
    return run_cli("render", *(policies or (POLICY,)), "-i", INVENTORY, "-o", out, cwd=cwd)


def test_the_manifest_records_every_file_and_its_digest(tmp_path):
    out = tmp_path / "bundle"
    assert render(out).returncode == 0
    files = tree(out)
    recorded = json.loads(files.pop(MANIFEST))
    assert recorded["version"] == 1 and set(recorded["files"]) == set(files) and "plan.json" in files
    assert manifest(files) == (out / MANIFEST).read_bytes()


def test_a_folder_with_someone_elses_plan_json_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "infra"
    out.mkdir()
    (out / "plan.json").write_text('{"format_version": "1.2", "terraform_version": "1.9.0"}')
    (out / "main.tf").write_text('resource "null_resource" "x" {}')
    before = tree(out)
    result = render(out)
    assert result.returncode == 2, result.stderr
    assert "is not a remediate bundle" in result.stderr and "nothing was written" in result.stderr
    assert tree(out) == before and sorted(p.name for p in out.iterdir()) == ["main.tf", "plan.json"]


def test_dash_o_dot_in_a_users_folder_is_refused_with_a_message(tmp_path):
    (tmp_path / "plan.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("mine")
    before = tree(tmp_path)
    result = render(".", POLICY.resolve(), cwd=tmp_path)
    assert result.returncode == 2 and "internal error" not in result.stderr, result.stderr
    assert tree(tmp_path) == before


def test_dash_o_dot_writes_an_empty_folder_and_replaces_its_own_bundle(tmp_path):
    assert render(".", POLICY.resolve(), cwd=tmp_path).returncode == 0
    first = tree(tmp_path)
    assert "hosts/web01/apply.vbs" in first
    result = render(".", OTHER.resolve(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    second = tree(tmp_path)
    assert "hosts/web01/apply.vbs" not in second and not (tmp_path / "hosts" / "web01").exists()
    assert set(json.loads(second[MANIFEST])["files"]) == set(second) - {MANIFEST}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".remediate")]


def test_a_previous_bundle_with_a_users_file_added_is_refused(tmp_path):
    out = tmp_path / "bundle"
    assert render(out).returncode == 0
    (out / "hosts" / "notes.md").write_text("reviewed by J.")
    before = tree(out)
    result = render(out, OTHER)
    assert result.returncode == 2 and "hosts/notes.md" in result.stderr, result.stderr
    assert tree(out) == before


def test_a_previous_bundle_with_an_edited_script_is_refused(tmp_path):
    out = tmp_path / "bundle"
    assert render(out).returncode == 0
    script = out / "hosts" / "web01" / "apply.vbs"
    script.write_bytes(script.read_bytes() + b"' my change\r\n")
    before = tree(out)
    result = render(out)
    assert result.returncode == 2 and "changed since it was written" in result.stderr, result.stderr
    assert tree(out) == before


def test_a_file_where_the_folder_should_be_is_refused(tmp_path):
    out = tmp_path / "bundle"
    out.write_text("a file")
    result = render(out)
    assert result.returncode == 2 and "not a folder" in result.stderr
    assert out.read_text() == "a file"


def test_apply_dash_o_refuses_the_same_way_before_any_host(tmp_path):
    out = tmp_path / "infra"
    out.mkdir()
    (out / "plan.json").write_text("{}")
    result = run_cli("apply", POLICY, "-i", INVENTORY, "-o", out, "--check", "--journal", tmp_path / "j.jsonl")
    assert result.returncode == 2 and "is not a remediate bundle" in result.stderr, result.stderr
    assert tree(out) == {"plan.json": b"{}"}


def test_a_failed_write_leaves_the_previous_bundle_intact(tmp_path, monkeypatch):
    out = tmp_path / "bundle"
    write_folder({"plan.json": b"1", "hosts/a/apply.ps1": b"x"}, out)
    before = tree(out)
    real = Path.write_bytes

    def disk_full(self, data):
        if self.name == "apply.ps1":
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(OSError):
        write_folder({"plan.json": b"2", "hosts/b/apply.ps1": b"y"}, out)
    monkeypatch.undo()
    assert tree(out) == before


def test_a_folder_that_cannot_be_made_is_bad_input(tmp_path):
    (tmp_path / "a-file").write_text("x")
    result = render(tmp_path / "a-file" / "bundle")
    assert result.returncode == 2 and "cannot be written" in result.stderr, result.stderr
