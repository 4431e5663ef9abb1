"""`remediate inventory` as a user runs it: graph, list, host, masking, bad input."""

import json

from conftest import EXAMPLES, run_cli

INVENTORY = EXAMPLES / "example" / "hosts.yml"


def test_graph_shows_groups_and_expanded_ranges():
    result = run_cli("inventory", "-i", INVENTORY, "--graph")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("@all:")
    assert "|  |  |--web13" in result.stdout and "|  |--@iis:" in result.stdout


def test_list_and_host_mask_the_password_but_keep_the_rest():
    listed = json.loads(run_cli("inventory", "-i", INVENTORY, "--list").stdout)
    hostvars = listed["_meta"]["hostvars"]["web10"]
    assert hostvars["ansible_password"] == "********"
    assert hostvars["ansible_port"] == 5986 and hostvars["ansible_winrm_transport"] == "ntlm"
    one = json.loads(run_cli("inventory", "-i", INVENTORY, "--host", "fs01").stdout)
    assert one["ansible_host"] == "192.0.2.21" and one["ansible_password"] == "********"


def test_a_bad_inventory_names_file_and_line_and_exits_2(tmp_path):
    bad = tmp_path / "hosts.ini"
    bad.write_text("[web]\nweb[01:x]\n")
    result = run_cli("inventory", "-i", bad, "--graph")
    assert result.returncode == 2 and result.stdout == ""
    assert f"{bad}:2:" in result.stderr


def test_options_are_exclusive():
    result = run_cli("inventory", "-i", INVENTORY, "--graph", "--list")
    assert result.returncode == 2
