"""Script libraries (templates/lib): every operation kind has its templates, every library a
script includes is called there, and every library function a script calls is in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from remediate.operations import OPERATION_KINDS
from remediate.render.features import WINDOWS_FEATURES
from remediate.render.libraries import CALLS, CORE, EXTENSIONS, FEATURES, KINDS, ORDER, library_text
from remediate.render.templating import environment

import support.scriptcheck as sc
from conftest import GOLDEN
from support.examplebundles import BUNDLES, bundle

ROOT = Path(environment().loader.searchpath[0])
DEFINITION = {"powershell": re.compile(r"^function ([\w-]+)", re.M),
              "vbscript": re.compile(r"^(?:Function|Sub) (\w+)", re.M)}
LANGUAGES = {"ps1": "powershell", "vbs": "vbscript"}


def library_functions(language: str) -> dict[str, str]:
    """Function name -> the library defining it."""
    return {name: lib for lib in ORDER[language] for name in DEFINITION[language].findall(library_text(language, lib))}


def code(language: str, text: str) -> str:
    """What runs: comments and string literals left out, definition lines too."""
    text = DEFINITION[language].sub("", text)
    return sc.code_text(text) if language == "powershell" else "\n".join(sc.scan_vbs(text).code)


def called(language: str, text: str) -> set[str]:
    """The library functions this text calls."""
    flags = re.I if language == "vbscript" else 0
    found = code(language, text)
    return {name for name in library_functions(language)
            if re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", found, flags)}


def decoded(data: bytes) -> str:
    text = data[2:].decode("utf-16-le") if data.startswith(sc.BOM_UTF16LE) else data.decode("utf-8-sig")
    return text.replace("\r\n", "\n")


def scripts() -> dict[str, tuple[str, str]]:
    out = {}
    for name in BUNDLES:
        for path, data in bundle(name).items():
            if path.endswith((".ps1", ".vbs")):
                out[f"{name}/{path}"] = (LANGUAGES[path.rsplit(".", 1)[1]], decoded(data))
    for path in sorted(GOLDEN.rglob("*.ps1")) + sorted(GOLDEN.rglob("*.vbs")):
        out[f"golden/{path.relative_to(GOLDEN)}"] = (LANGUAGES[path.suffix[1:]], decoded(path.read_bytes()))
    return out


SCRIPTS = scripts()


@pytest.mark.parametrize("kind", OPERATION_KINDS, ids=lambda k: k.kind)
def test_every_operation_kind_has_a_template_for_each_language_it_declares_and_no_other(kind):
    for language in EXTENSIONS:
        exists = (ROOT / language / "ops" / f"{kind.kind}.j2").is_file()
        assert exists == (language in kind.languages), (kind.kind, language)


@pytest.mark.parametrize("language", EXTENSIONS)
def test_the_library_tables_name_existing_libraries_and_kinds(language):
    files = {p.stem for p in (ROOT / "lib" / language).glob(f"*.{EXTENSIONS[language]}")}
    assert files == set(ORDER[language])
    named = set(CORE) | set(CALLS[language]) | {lib for libs in CALLS[language].values() for lib in libs}
    named |= {lib for blocks in KINDS[language].values() for libs in blocks for lib in libs}
    assert named <= files
    kinds = {k.kind: k for k in OPERATION_KINDS}
    assert all(language in kinds[kind].languages for kind in KINDS[language])
    every = {p.stem for p in (ROOT / "lib").rglob("*.*")}
    assert set(FEATURES) <= every and set(FEATURES.values()) <= set(WINDOWS_FEATURES)


@pytest.mark.parametrize("language", EXTENSIONS)
def test_libraries_are_plain_script_text_each_function_defined_once(language):
    names: list[str] = []
    for lib in ORDER[language]:
        text = library_text(language, lib)
        assert not re.search(r"\{\{|\{%|\{#", text), lib
        names += DEFINITION[language].findall(text)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("language", EXTENSIONS)
def test_calls_between_libraries_are_declared(language):
    for lib in ORDER[language]:
        calls = {library_functions(language)[name] for name in called(language, library_text(language, lib))}
        assert calls - {lib} <= set(CALLS[language].get(lib, ())) | set(CORE), lib


@pytest.mark.parametrize("where", SCRIPTS)
def test_a_script_includes_exactly_the_libraries_it_calls(where):
    language, text = SCRIPTS[where]
    owners = library_functions(language)
    defined = set(DEFINITION[language].findall(text)) & set(owners)
    included = {owners[name] for name in defined}
    missing = {name for name in called(language, text) if name not in defined}
    assert not missing, f"called but not defined: {sorted(missing)}"
    rest = text
    for lib in included:
        assert library_text(language, lib) in text, f"{lib} included in part"
        rest = rest.replace(library_text(language, lib), "")
    used = {owners[name] for name in called(language, rest)}
    while extra := {owners[name] for lib in used for name in called(language, library_text(language, lib))} - used:
        used |= extra
    assert included == used, f"included but not called: {sorted(included - used)}"
