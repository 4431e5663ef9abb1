"""Fuzzed policies and inventories through `remediate render`, as a user runs it (issue 11).

For every generated input: the exit status is 0, 2 or 3 (never 1, an internal error), with no
traceback; the process uses under 2 s of CPU and 300 MB; nothing is written outside `-o`; and
when the render fails, the previous bundle in `-o` is exactly as it was. Bounded to about a
minute (REMEDIATE_FUZZ_EXAMPLES raises it for a longer run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from functools import cache
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BASE_POLICY, EXAMPLES, run_cli

EXAMPLES_PER_TEST = int(os.environ.get("REMEDIATE_FUZZ_EXAMPLES", "25"))
INVENTORY_TEXT = (EXAMPLES / "example" / "hosts.yml").read_text(encoding="utf-8")
GOOD_POLICY = EXAMPLES / "policies" / "iusr-gmsa-pool.yaml"
CPU_SECONDS, MEMORY_MB = 2.0, 300

HOSTILE_NAMES = ["../../escape-web", "/", "..", ".", "con", "web[0:99999999]", "w[0:999]x[0:999]", "x" * 100_000,
                 "<Default Web Site>", "a\u2028b", "a\x00b", "c:\\x", "\\\\fs01\\x", "web 1", "*", "domain",
                 "2001:db8::1", "web|01", "'quoted'", "{{ lookup('env', 'HOME') }}", "!vault |", "&a", "*a"]
LAUGHS = 'a: &a ["l", "l", "l", "l", "l", "l", "l", "l", "l"]\n' + "".join(
    f"{c}: &{c} [" + ", ".join([f"*{chr(ord(c) - 1)}"] * 9) + "]\n" for c in "bcdefghi")
BOMBS = ["x: &a [*a]\n", "x: " + "[" * 600 + "]" * 600 + "\n", LAUGHS, "\t- broken: [\n", "%YAML 9.9\n---\n",
         "? [a]\n: b\n", "a: !!python/object:os.system {}\n", "\ufeff\x00\xff", "version: 1\n" * 3]

names = st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=40),
                  st.from_regex(r"[a-z0-9_.\-\[\]:]{1,30}", fullmatch=True))
scalars = st.one_of(names, st.integers(-10, 10**12), st.booleans(), st.none(), st.floats(allow_nan=True))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
                      max_leaves=12)


def key_paths(data: object, path: tuple = ()) -> list[tuple]:
    """Every key path of nested mappings, inner ones and leaves alike."""
    if not isinstance(data, dict):
        return [path]
    below = [p for key, value in data.items() for p in key_paths(value, path + (key,))]
    return below + [path] if path else below


@st.composite
def policy_texts(draw) -> str:
    """BASE_POLICY with some keys replaced or removed, or a YAML bomb, or text."""
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "bomb", "text"]))
    if kind == "bomb":
        return draw(st.sampled_from(BOMBS))
    if kind == "text":
        return draw(st.text(max_size=300))
    data = yaml.safe_load(yaml.safe_dump(BASE_POLICY))
    for path in draw(st.lists(st.sampled_from(key_paths(data)), max_size=4)):
        target = data
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            if draw(st.booleans()):
                target[path[-1]] = draw(values)
            else:
                target.pop(path[-1], None)
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans()))


@st.composite
def inventory_texts(draw) -> tuple[str, str]:
    """(file name, text): the example inventory with hostile hosts or groups added, INI or YAML, or a bomb."""
    kind = draw(st.sampled_from(["ini", "yaml", "yaml", "bomb"]))
    if kind == "bomb":
        return "hosts.yml", draw(st.sampled_from(BOMBS))
    hosts = draw(st.lists(names, min_size=1, max_size=3))
    group = draw(names)
    if kind == "ini":
        lines = [f"[{group}]", *hosts, "[iis]", "web11", "[file_servers]", "fs01", "[dcs]", "dc01"]
        return "hosts.ini", "\n".join(lines) + "\n"
    data = yaml.safe_load(INVENTORY_TEXT)
    data["all"]["children"][group] = {"hosts": {h: draw(st.none() | values) for h in hosts}}
    return "hosts.yml", yaml.safe_dump(data, allow_unicode=True)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# The CLI, writing its own peak memory (VmHWM of the process image it runs) to the file named first.
# A child's ru_maxrss is no measure here: Linux records at exec the peak of the memory image the
# child replaces, which after vfork is the test process's own (hundreds of MB once pwsh tests ran).
PEAK_REPORTING_CLI = (
    "import atexit, sys\n"
    "peak_file = sys.argv.pop(1)\n"
    "def report():\n"
    "    with open('/proc/self/status') as status:\n"
    "        kb = next(line.split()[1] for line in status if line.startswith('VmHWM:'))\n"
    "    with open(peak_file, 'w') as out:\n"
    "        out.write(kb)\n"
    "atexit.register(report)\n"
    "from remediate.cli import main; main()\n")


def render_in(work: Path, policy: Path, inventory: Path) -> tuple[int, str, float, float]:
    """Exit status, stderr, CPU seconds and peak memory (MB) of one `remediate render -o out` in `work`."""
    peak = work / "peak-kb"
    proc = subprocess.Popen([sys.executable, "-P", "-c", PEAK_REPORTING_CLI, str(peak), "render",
                             str(policy), "-i", str(inventory), "-o", "out"],
                            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(60, proc.kill)
    timer.start()
    try:
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)      # reaps it, with its own CPU time and peak memory
    finally:
        timer.cancel()
        proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    memory = int(peak.read_text()) / 1024 if peak.exists() else usage.ru_maxrss / 1024
    peak.unlink(missing_ok=True)
    return proc.returncode, err, usage.ru_utime + usage.ru_stime, memory


@cache
def good_bundle() -> Path:
    """A bundle rendered once, copied into each example's `-o` as the previous bundle."""
    folder = Path(tempfile.mkdtemp(prefix="remediate-fuzz-")) / "out"
    assert run_cli("render", GOOD_POLICY, "-i", EXAMPLES / "example" / "hosts.yml", "-o", folder).returncode == 0
    return folder


def check_render(tmp_path: Path, policy_text: str, inventory_name: str, inventory_text: str) -> None:
    work = tmp_path / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    previous = work / "out"
    shutil.copytree(good_bundle(), previous)
    before = tree(previous)
    policy, inventory = work / "policy.yaml", work / inventory_name
    policy.write_text(policy_text, encoding="utf-8")
    inventory.write_text(inventory_text, encoding="utf-8")
    code, err, cpu, memory = render_in(work, policy, inventory)
    assert code in (0, 2, 3), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert cpu < CPU_SECONDS and memory < MEMORY_MB, (cpu, memory)
    outside = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")} - {"work", "work/out"}
    assert {p for p in outside if not p.startswith("work/out/")} == {"work/policy.yaml", f"work/{inventory_name}"}
    if code == 2:
        assert tree(previous) == before, "a failed render changed the previous bundle"


FUZZ = settings(max_examples=EXAMPLES_PER_TEST, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


@FUZZ
@given(policy_texts())
def test_fuzzed_policies(tmp_path, policy_text):
    check_render(tmp_path, policy_text, "hosts.yml", INVENTORY_TEXT)


@FUZZ
@given(inventory_texts())
def test_fuzzed_inventories(tmp_path, inventory):
    check_render(tmp_path, GOOD_POLICY.read_text(encoding="utf-8"), *inventory)
