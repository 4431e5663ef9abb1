"""Ansible-compatible inventories: formats, ranges, group_vars/host_vars, precedence, errors, views."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from remediate.core.errors import InputError
from remediate.core.yamlsource import VaultText
from remediate.inventory import Inventory, expand_range, load_inventory
from remediate.inventory.view import MASK, graph, host, mask, to_list

from conftest import DATA

INVENTORIES = DATA / "inventory"
LAYERED = INVENTORIES / "layered" / "hosts.ini"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_inventory(path)
    return [str(p) for p in caught.value.problems]


def structure(inv: Inventory) -> dict:
    return {
        "hosts": inv.hosts,
        "groups": {name: (g.hosts, g.children) for name, g in inv.groups.items()},
        "vars": {h: inv.host_vars(h) for h in inv.hosts},
    }


# --- formats -----------------------------------------------------------------------------

def test_yaml_and_ini_give_the_same_inventory():
    ini = load_inventory(INVENTORIES / "equivalent" / "hosts.ini")
    yml = load_inventory(INVENTORIES / "equivalent" / "hosts.yml")
    assert structure(ini) == structure(yml)
    assert ini.hosts == ["jump01", "web01", "web02", "web03", "web-a.example.com",
                         "web-b.example.com", "db1", "db3", "db5"]
    assert ini.groups["windows"].children == ["web", "db"]
    assert ini.groups["all"].children == ["ungrouped", "windows"]


def test_ini_values_are_typed_like_ansible():
    inv = load_inventory(INVENTORIES / "equivalent" / "hosts.ini")
    assert inv.host_vars("web01")["ansible_port"] == 5985
    assert inv.host_vars("db3")["ansible_port"] == 5986  # from db[1:5:2]:5986
    assert inv.host_vars("db3")["quoted"] == "5985"  # "'5985'" stays text
    assert inv.host_vars("web-a.example.com")["note"] == "two words"
    assert inv.host_vars("web01")["enabled"] is True
    assert inv.host_vars("jump01") == {"ansible_host": "10.0.0.5"}


def test_ini_comments_sections_and_literals(tmp_path):
    path = write(tmp_path, "hosts", (
        "; leading comment\n"
        "solo list=[1,2] odd=1j dots=... hash=a#b # trailing comment\n"
        "[g]\n"
        "h1\n"
        "[g:vars]\n"
        "port = 8080 # a comment Python ignores\n"
        "text=foo # not a literal, kept whole\n"))
    inv = load_inventory(path)
    assert inv.host_vars("solo") == {"list": [1, 2], "odd": "1j", "dots": "...", "hash": "a"}
    assert inv.groups["g"].vars == {"port": 8080, "text": "foo # not a literal, kept whole"}
    assert inv.groups["ungrouped"].hosts == ["solo"]


def test_yaml_without_extension_and_top_level_groups(tmp_path):
    path = write(tmp_path, "inventory", (
        "all:\n  vars:\n    site: hq\n"
        "web:\n  hosts:\n    w1:\n    w2: {ansible_port: 5985}\n"
        "db:\n  hosts: d1\n"
        "empty:\n"))
    inv = load_inventory(path)
    assert inv.hosts == ["w1", "w2", "d1"]
    assert inv.groups["all"].children == ["ungrouped", "web", "db", "empty"]
    assert inv.host_vars("w2") == {"site": "hq", "ansible_port": 5985}
    assert inv.expand("empty") == []


def test_implicit_all_and_ungrouped(tmp_path):
    path = write(tmp_path, "hosts.yml", (
        "all:\n  hosts:\n    lone:\n    both:\n"
        "  children:\n    ungrouped:\n      hosts:\n        moved:\n"
        "    g:\n      hosts:\n        both:\n        moved:\n"))
    inv = load_inventory(path)
    assert inv.groups["ungrouped"].hosts == ["lone"]
    assert inv.groups["all"].hosts == inv.hosts == ["lone", "both", "moved"]
    assert inv.groups_of("lone") == ["all", "ungrouped"]
    assert inv.groups_of("moved") == ["all", "g"]


def test_inventory_directory_reads_files_in_order_and_skips_like_ansible():
    inv = load_inventory(INVENTORIES / "directory")
    assert inv.hosts == ["web1", "web2", "db1", "web3"]  # 01-web.yml, 02-db, sub/03-more.ini
    assert inv.groups["web"].hosts == ["web1", "web2", "web3"]
    assert inv.host_vars("web3") == {"from_ini": "yes", "role": "iis"}
    assert inv.host_vars("db1") == {"role": "sql"}


def test_ini_vars_and_children_may_precede_the_group(tmp_path):
    path = write(tmp_path, "hosts", (
        "[parent:children]\nkid\n[kid:vars]\nx=1\n[kid]\nk1\n[parent]\n"))
    inv = load_inventory(path)
    assert inv.groups["parent"].children == ["kid"]
    assert inv.host_vars("k1") == {"x": 1}


# --- ranges ------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "hosts"), [
    ("web[01:03]", ["web01", "web02", "web03"]),
    ("web[1:3]", ["web1", "web2", "web3"]),
    ("web[8:11]", ["web8", "web9", "web10", "web11"]),
    ("web[08:11]", ["web08", "web09", "web10", "web11"]),
    ("db-[a:c]", ["db-a", "db-b", "db-c"]),
    ("n[1:10:4]", ["n1", "n5", "n9"]),
    ("x[a:e:2]", ["xa", "xc", "xe"]),
    ("r[1:2]-n[a:b].lan", ["r1-na.lan", "r1-nb.lan", "r2-na.lan", "r2-nb.lan"]),
    ("[:2]x", ["0x", "1x", "2x"]),
    ("plain", ["plain"]),
])
def test_expand_range(pattern, hosts):
    assert expand_range(pattern) == hosts


@pytest.mark.parametrize(("pattern", "reason"), [
    ("web[1:]", "no end"),
    ("web[1]", "begin:end"),
    ("web[1:2:3:4]", "begin:end"),
    ("web[3:1]", "begin is after end"),
    ("web[c:a]", "begin is after end"),
    ("web[01:100]", "same width"),
    ("web[a:5]", "numbers or both single letters"),
    ("web[1:5:0]", "step"),
    ("web[1:5", "without ']'"),
])
def test_bad_ranges_are_refused(pattern, reason):
    with pytest.raises(ValueError, match=reason):
        expand_range(pattern)


def test_bad_range_in_a_file_names_file_and_line(tmp_path):
    ini = write(tmp_path, "hosts", "[web]\nok1\nweb[5:1]\n")
    [message] = problems_of(ini)
    assert message.startswith(f"{ini}:3: web[5:1]:") and "bad host range" in message
    yml = write(tmp_path, "hosts.yml", "all:\n  hosts:\n    ok:\n    web[01:5]:\n")
    [message] = problems_of(yml)
    assert message.startswith(f"{yml}:4: web[01:5]:") and "same width" in message


# --- variables from group_vars/ and host_vars/, and precedence ---------------------------

@pytest.fixture(scope="module")
def layered() -> Inventory:
    return load_inventory(LAYERED)


def test_group_vars_and_host_vars_files_and_folders(layered):
    europe = layered.groups["europe"]
    # folder form: 01-base.yml < 02-override.yaml < more/extra.json; .txt and ~ files skipped
    assert europe.file_vars == {"europe_file": "two", "europe_vs_child_file": "europe_file",
                                "europe_json": True}
    assert layered.groups["paris"].file_vars == {"europe_vs_child_file": "paris_file"}  # .json
    assert layered.host_data["ber1"].file_vars == {"ansible_user": "admin"}  # no extension
    assert layered.host_data["par1"].file_vars == {"inline_vs_hostfile": "file"}
    assert "not_a_group" not in layered.groups


def test_precedence_all_parent_child_host(layered):
    assert layered.host_vars("ber1")["all_europe_berlin"] == "berlin"  # child over parent over all
    assert layered.host_vars("par1")["all_europe_berlin"] == "europe"  # parent over all
    assert layered.host_vars("par1")["all_only"] == "all"
    assert layered.host_vars("par1")["host_inline"] == "par1"


def test_precedence_files_over_inline(layered):
    ber1 = layered.host_vars("ber1")
    assert ber1["inline_vs_groupfile"] == "berlin_file"  # group_vars/ over [berlin:vars]
    assert ber1["allfile_vs_groupfile"] == "berlin_file"  # group_vars/berlin over group_vars/all
    # As Ansible documents: group_vars/all beats even a child group's inventory-file vars.
    assert ber1["inline_vs_allfile"] == "all_file"
    assert ber1["europe_vs_child_file"] == "europe_file"  # parent's file over parent's inline
    assert layered.host_vars("par1")["europe_vs_child_file"] == "paris_file"  # child file over parent file
    assert layered.host_vars("par1")["inline_vs_hostfile"] == "file"  # host_vars/ over inline host vars


def test_precedence_alphabetical_tie_and_group_priority(layered):
    assert layered.host_vars("par2")["tie"] == "paris"  # same depth: later name wins
    par1 = layered.host_vars("par1")
    assert par1["prio"] == "alpha"  # priority 10 beats zeta's default 1
    assert "ansible_group_priority" not in par1  # consumed, as Ansible does
    assert layered.groups["alpha"].priority == 10


def test_without_priority_the_later_name_wins(tmp_path):
    path = write(tmp_path, "hosts", "[alpha]\nh\n[zeta]\nh\n[alpha:vars]\np=alpha\n[zeta:vars]\np=zeta\n")
    assert load_inventory(path).host_vars("h")["p"] == "zeta"


def test_host_vars_is_a_copy(layered):
    layered.host_vars("par1")["all_only"] = "changed"
    assert layered.host_vars("par1")["all_only"] == "all"


def test_vaulted_vars_file_needs_decrypt(tmp_path):
    inv = write(tmp_path, "hosts", "h1\n")
    vaulted = write(tmp_path, "group_vars/all.yml", "$ANSIBLE_VAULT;1.1;AES256\n6162\n")
    [message] = problems_of(inv)
    assert message.startswith(f"{vaulted}:1:") and "ansible-vault" in message
    seen = []

    def decrypt(text: str, file: str) -> str:
        seen.append(file)
        return "secret_var: plain\n"

    assert load_inventory(inv, decrypt=decrypt).host_vars("h1") == {"secret_var": "plain"}
    assert seen == [str(vaulted)]


# --- expand, groups_of, match ------------------------------------------------------------

def test_expand_host_group_and_nested_group(layered):
    assert layered.expand("ber1") == ["ber1"]
    assert layered.expand("berlin") == ["par2", "ber1"]  # inventory order, not listing order
    assert layered.expand("europe") == ["par1", "par2", "ber1"]
    assert layered.expand("all") == layered.hosts
    assert layered.is_group("europe") and not layered.is_group("par1")
    assert layered.groups_of("par2") == ["all", "europe", "paris", "berlin"]


def test_expand_unknown_name_lists_what_exists(layered):
    with pytest.raises(InputError) as caught:
        layered.expand("Berlin")
    message = str(caught.value)
    assert "Berlin" in message and "case-sensitive" in message
    assert "did you mean berlin" in message
    assert "groups: all, ungrouped, europe, paris, berlin, alpha, zeta" in message
    assert "hosts: par1, par2, ber1" in message
    with pytest.raises(InputError, match="nobody"):
        layered.host_vars("nobody")


@pytest.mark.parametrize(("pattern", "hosts"), [
    ("ber1", ["ber1"]),
    ("europe", ["par1", "par2", "ber1"]),
    ("par*", ["par1", "par2"]),  # group 'paris' and hosts par1/par2
    ("b*", ["par2", "ber1"]),  # group 'berlin'
    ("alpha:ber1", ["par1", "ber1"]),
    ("alpha,ber1", ["par1", "ber1"]),
    ("europe:!paris", ["ber1"]),
    ("europe:&paris", ["par1", "par2"]),
    ("!berlin", ["par1"]),
    ("&berlin", ["par2", "ber1"]),
    ("~par[12]", ["par1", "par2"]),
    ("nomatch*", []),
])
def test_match_patterns(layered, pattern, hosts):
    assert layered.match(pattern) == hosts


def test_match_refuses_unknown_plain_names(layered):
    with pytest.raises(InputError, match="berln"):
        layered.match("europe:!berln")
    with pytest.raises(InputError, match="empty"):
        layered.match(" ")


# --- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "line", "needle"), [
    ("hosts.yml", "all:\n  hosts:\n    h1: [a, b]\n", 3, "host 'h1' must map to its variables"),
    ("hosts.yml", "all:\n  vars: [a]\n", 2, "vars of group 'all' must be a mapping"),
    ("hosts.yml", "all:\n  children:\n    web: [h1]\n", 3, "group 'web' must be a mapping"),
    ("hosts.yml", "all:\n  host:\n    h1:\n", 2, "unknown key in group 'all'"),
    ("hosts.yml", "- all\n- web\n", 1, "must be a mapping of group names"),
    ("hosts.yml", "all:\n  hosts:\n    a: 1\n    a: 2\n", 4, "appears twice"),
    ("hosts.yml", "plugin: aws_ec2\n", 1, "inventory plugin configuration"),
    ("hosts.yml", "all:\n  children:\n    a:\n      children:\n        a:\n", 5, "its own ancestor"),
    ("hosts.yml", "web:\n  vars:\n    ansible_group_priority: high\n", 3, "must be a whole number"),
    ("hosts", "[web]\nh1\n[web:foo]\nx\n", 3, "unknown section type ':foo'"),
    ("hosts", "[web]\nh1\n[web group]\n", 3, "not a valid section header"),
    ("hosts", "[web:children]\nh1\n[db]\n", 2, "names 'h1', which is not a group"),
    ("hosts", "[web]\nh1\n[web:children]\nweird name\n", 4, "expected one group name"),
    ("hosts", "[a:children]\nb\n[b:children]\na\n", 4, "its own ancestor"),
    ("hosts", "[g:children]\nall\n", 2, "'all' holds every group"),
    ("hosts", "[ghost:vars]\nx=1\n", 1, "[ghost:vars] is for a group that is never declared"),
    ("hosts", "[web]\nh1\n[web:vars]\njust text\n", 4, "expected key=value"),
    ("hosts", "[web]\nh1 port\n", 2, "expected key=value after the host name"),
    ("hosts", "[web]\nh1 note='unclosed\n", 2, "cannot split"),
])
def test_errors_name_file_and_line(tmp_path, name, text, line, needle):
    path = write(tmp_path, name, text)
    messages = problems_of(path)
    assert any(m.startswith(f"{path}:{line}:") and needle in m for m in messages), messages


def test_unreadable_and_missing_files(tmp_path):
    missing = tmp_path / "nope.ini"
    assert problems_of(missing) == [f"{missing}: no such file or directory"]
    binary = tmp_path / "hosts"
    binary.write_bytes(b"[web]\n\xff\xfe\n")
    [message] = problems_of(binary)
    assert message == f"{binary}:2: is not UTF-8 text (a binary file, or another encoding: save it as UTF-8)"


def test_bad_vars_file_names_file_and_line(tmp_path):
    inv = write(tmp_path, "hosts", "[web]\nh1\n")
    bad = write(tmp_path, "group_vars/web.yml", "# comment\n- a\n- b\n")
    assert problems_of(inv) == [f"{bad}:2: a vars file must be a mapping of variable names "
                                "to values, not a list"]


def test_all_problems_are_reported_together(tmp_path):
    path = write(tmp_path, "hosts", "[web]\nweb[2:1]\n[web:bogus]\n[db:children]\nghost\n")
    messages = problems_of(path)
    assert [m.split(": ", 1)[0] for m in messages] == [f"{path}:2", f"{path}:3", f"{path}:5"]


# --- views and masking -------------------------------------------------------------------

SECRETS = ("Hunter2Secret", "tok-123-secret", "6134333665353966")


def test_mask_hides_secret_keys_and_vault_values():
    masked = mask({
        "ansible_password": "p", "ansible_become_pass": "p", "ansible_ssh_pass": "p",
        "ansible_winrm_cert_key_pem": "k", "db_passwd": "p", "API_TOKEN": "t", "my_secret": "s",
        "vaulted": VaultText("$ANSIBLE_VAULT;1.1;AES256\n00"), "ansible_user": "admin",
        "nested": {"password": "p", "list": [VaultText("x"), "ok"]},
    })
    assert masked == {
        "ansible_password": MASK, "ansible_become_pass": MASK, "ansible_ssh_pass": MASK,
        "ansible_winrm_cert_key_pem": MASK, "db_passwd": MASK, "API_TOKEN": MASK, "my_secret": MASK,
        "vaulted": MASK, "ansible_user": "admin", "nested": {"password": MASK, "list": [MASK, "ok"]},
    }


def test_views_never_show_secrets(layered):
    outputs = [graph(layered), json.dumps(to_list(layered), default=str),
               *(json.dumps(host(layered, h), default=str) for h in layered.hosts)]
    for output in outputs:
        for secret in SECRETS:
            assert secret not in output
    assert host(layered, "ber1")["ansible_password"] == MASK
    assert host(layered, "ber1")["ansible_user"] == "admin"


def test_graph_like_ansible_inventory(layered):
    assert graph(layered) == "\n".join([
        "@all:",
        "  |--@ungrouped:",
        "  |--@europe:",
        "  |  |--@paris:",
        "  |  |  |--par1",
        "  |  |  |--par2",
        "  |  |--@berlin:",
        "  |  |  |--ber1",
        "  |  |  |--par2",
        "  |--@alpha:",
        "  |  |--par1",
        "  |--@zeta:",
        "  |  |--par1",
    ])


def test_list_like_ansible_inventory(tmp_path):
    path = write(tmp_path, "hosts", "lone\n[web]\nw1 ansible_port=5985\n[empty]\n[win:children]\nweb\nempty\n")
    assert to_list(load_inventory(path)) == {
        "all": {"children": ["ungrouped", "win"]},
        "ungrouped": {"hosts": ["lone"]},
        "win": {"children": ["web", "empty"]},
        "web": {"hosts": ["w1"]},
        "_meta": {"hostvars": {"w1": {"ansible_port": 5985}}},
    }


# --- optional: the real ansible-inventory, when ansible-core is installed ----------------

def _ansible_inventory(path: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "ansible.cli.inventory", "-i", str(path), *args],
                          capture_output=True, text=True, check=True, cwd=path.parent)
    return done.stdout


def _as_ours(value: object) -> object:
    """ansible-inventory's JSON, with `{"__ansible_vault": ...}` back as VaultText for mask()."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_vault"}:
            return VaultText(value["__ansible_vault"])
        return {k: _as_ours(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_ours(v) for v in value]
    return value


@pytest.mark.parametrize("source", [LAYERED, INVENTORIES / "equivalent" / "hosts.ini",
                                    INVENTORIES / "equivalent" / "hosts.yml", INVENTORIES / "directory"])
def test_same_as_ansible_inventory(source):
    pytest.importorskip("ansible")
    inv = load_inventory(source)
    assert graph(inv) == _ansible_inventory(source, "--graph").strip()
    theirs = json.loads(_ansible_inventory(source, "--list"))
    theirs["_meta"].pop("profile", None)  # ansible-core 2.19's serialization marker
    theirs["_meta"]["hostvars"] = {h: mask(_as_ours(v)) for h, v in theirs["_meta"]["hostvars"].items()}
    assert to_list(inv) == theirs
