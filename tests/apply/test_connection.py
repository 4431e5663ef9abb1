"""Connection settings per host: Ansible's names and defaults, secret forms, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from remediate.apply.connection import Connection, connection_for, connections
from remediate.core.errors import InputError
from remediate.inventory import Inventory, load_inventory
from remediate.inventory.vault import VaultSecrets

from conftest import DATA

VAULT = DATA / "vault"
SECRETS = VaultSecrets.from_options([str(VAULT / "default.pass")])
# ansible-vault encrypt_string of "P@ss w0rd! {not a template}" (data/vault/README.md).
INLINE_VALUE = (VAULT / "inventory" / "group_vars" / "windows.yml").read_text().split("vault_win_password: ")[1]
ENV = {"WIN_PASS": "from-env"}


def inventory(tmp_path: Path, hosts_yml: str, **files: str) -> Inventory:
    """hosts.yml and other files (`group_vars/x.yml` given as group_vars__x_yml) loaded with the test vault."""
    for name, text in {"hosts.yml": hosts_yml, **files}.items():
        path = tmp_path / name.replace("__", "/").replace("_yml", ".yml").replace("_ini", ".ini")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_inventory(tmp_path / "hosts.yml", SECRETS.decrypt)


def one(tmp_path: Path, host_vars: str, **options) -> Connection:
    """A single host `h1` with the given YAML variables (indented under it)."""
    text = "all:\n  hosts:\n    h1:\n" + "".join(f"      {line}\n" for line in host_vars.strip().splitlines())
    options.setdefault("environ", ENV)
    options.setdefault("base_dir", tmp_path)
    return connection_for(inventory(tmp_path, text), "h1", secrets=SECRETS, **options)


def problems(call) -> list[str]:
    with pytest.raises(InputError) as caught:
        call()
    return [str(p) for p in caught.value.problems]


USER_ENV = "ansible_user: admin\nansible_password: \"{{ lookup('env', 'WIN_PASS') }}\""


# -- names and defaults ----------------------------------------------------------------------------

def test_defaults_are_ansibles(tmp_path):
    c = one(tmp_path, USER_ENV)
    assert (c.address, c.port, c.scheme, c.path, c.url) == ("h1", 5986, "https", "/wsman", "https://h1:5986/wsman")
    assert (c.transport, c.cert_validation, c.message_encryption) == ("basic", "validate", "auto")
    assert (c.operation_timeout, c.read_timeout, c.user, c.password, c.warnings) == (20, 30, "admin", "from-env", ())


def test_port_5985_means_http(tmp_path):
    c = one(tmp_path, USER_ENV + "\nansible_port: 5985\nansible_winrm_transport: ntlm")
    assert (c.scheme, c.url) == ("http", "http://h1:5985/wsman")


def test_any_other_port_means_https_and_scheme_overrides(tmp_path):
    assert one(tmp_path / "a", USER_ENV + "\nansible_port: 8080").scheme == "https"
    c = one(tmp_path / "b", USER_ENV + "\nansible_port: '5985'\nansible_winrm_scheme: https")
    assert (c.port, c.scheme) == (5985, "https")


def test_last_variable_of_an_option_wins_as_in_ansible(tmp_path):
    c = one(tmp_path, USER_ENV + "\nansible_host: 10.0.0.5\nansible_winrm_host: 'fe80::1'\nansible_winrm_port: 5999"
                      "\nansible_winrm_user: other\nansible_winrm_path: custom")
    assert (c.address, c.port, c.user, c.url) == ("fe80::1", 5999, "other", "https://[fe80::1]:5999/custom")


def test_upn_user_defaults_to_kerberos_and_transport_lists(tmp_path):
    assert one(tmp_path / "a", "ansible_user: admin@CORP.EXAMPLE").transport == "kerberos"
    c = one(tmp_path / "b", USER_ENV + "\nansible_winrm_transport: 'kerberos, ntlm'")
    assert (c.transport, c.transports) == ("kerberos", ("kerberos", "ntlm"))
    c = one(tmp_path / "c", USER_ENV + "\nansible_winrm_transport: [ssl, ntlm]")
    assert c.transports == ("basic", "ntlm")


KERBEROS_USER = "ansible_user: admin@CONTOSO.COM\n"
KERBEROS_PW = KERBEROS_USER + "ansible_password: \"{{ lookup('env', 'WIN_PASS') }}\"\n"


@pytest.mark.parametrize(("variables", "managed", "warned"), [
    (KERBEROS_PW, True, False),                                              # Ansible's default with a password
    (KERBEROS_USER, False, False),                                           # your own ticket
    (KERBEROS_PW + "ansible_winrm_kinit_mode: manual", False, True),         # the password is not used: warned
    (KERBEROS_PW + "ansible_winrm_kinit_mode: managed", True, False),
    (USER_ENV + "\nansible_winrm_transport: ntlm", False, False),
])
def test_who_gets_the_kerberos_ticket(tmp_path, variables, managed, warned):
    c = one(tmp_path, variables)
    assert c.kinit_managed is managed
    assert any("is not used with ansible_winrm_kinit_mode manual" in w for w in c.warnings) is warned


def test_kinit_settings_take_ansibles_names_and_forms(tmp_path):
    c = one(tmp_path / "a", KERBEROS_PW + "ansible_winrm_kinit_cmd: /opt/krb5/bin/kinit\n"
                                          "ansible_winrm_kinit_args: -f -l 1h\nansible_winrm_kinit_env_vars: KRB5_CONFIG, KRB5_TRACE")
    assert (c.kinit_cmd, c.kinit_args, c.kinit_env_vars) == ("/opt/krb5/bin/kinit", "-f -l 1h", ("KRB5_CONFIG", "KRB5_TRACE"))
    assert not any("not applied" in w for w in c.warnings)
    assert one(tmp_path / "b", KERBEROS_PW + "ansible_winrm_kinit_env_vars: [KRB5_CONFIG]").kinit_env_vars == ("KRB5_CONFIG",)
    assert one(tmp_path / "c", KERBEROS_PW).kinit_cmd == "kinit"
    found = problems(lambda: one(tmp_path / "d", KERBEROS_PW + "ansible_winrm_kinit_mode: auto"))
    assert any("ansible_winrm_kinit_mode: 'auto' is not one of managed, manual" in p for p in found)
    found = problems(lambda: one(tmp_path / "e", KERBEROS_PW + "ansible_winrm_kinit_env_vars: {a: 1}"))
    assert any("ansible_winrm_kinit_env_vars: must be a list of names" in p for p in found)


def test_one_run_gets_every_kerberos_ticket_or_none(tmp_path):
    text = ("all:\n  vars:\n    ansible_winrm_transport: kerberos\n    ansible_user: admin@CONTOSO.COM\n"
            "  hosts:\n    h1:\n      ansible_password: \"{{ lookup('env', 'WIN_PASS') }}\"\n    h2:\n")
    inv = inventory(tmp_path, text)
    found = problems(lambda: connections(inv, ["h1", "h2"], secrets=SECRETS, environ=ENV, base_dir=tmp_path))
    assert any("ansible_winrm_kinit_mode: in one run, remediate gets the Kerberos tickets of every kerberos host "
               "or of none: h2 would use your own tickets" in p for p in found)
    assert [c.kinit_managed for c in connections(inv, ["h1"], secrets=SECRETS, environ=ENV, base_dir=tmp_path)] == [True]
    # --ask-pass gives the kerberos host its password, so remediate gets its ticket too
    asked = connections(inv, ["h1", "h2"], secrets=SECRETS, environ=ENV, base_dir=tmp_path, ask_pass=lambda _: "typed")
    assert [c.kinit_managed for c in asked] == [True, True] and asked[1].password == "typed"


def test_kinit_mode_managed_needs_a_password_and_a_user(tmp_path):
    found = problems(lambda: connections(inventory(tmp_path / "a", "all:\n  hosts:\n    h1:\n"
                                                   "      ansible_user: admin@CONTOSO.COM\n"
                                                   "      ansible_winrm_kinit_mode: managed\n"), ["h1"], environ=ENV))
    assert any("no password for h1" in p for p in found)
    found = problems(lambda: connections(inventory(tmp_path / "b", "all:\n  hosts:\n    h1:\n"
                                                   "      ansible_winrm_transport: kerberos\n"
                                                   "      ansible_password: \"{{ lookup('env', 'WIN_PASS') }}\"\n"),
                                         ["h1"], environ=ENV))
    assert any("ansible_user: is not set for h1: with a password, remediate runs kinit" in p for p in found)


def test_certificate_transport(tmp_path):
    certs = "ansible_winrm_cert_pem: /c.pem\nansible_winrm_cert_key_pem: /k.pem"
    assert one(tmp_path / "a", certs).transport == "certificate"  # unset -> 'ssl' -> certificate with a cert
    c = one(tmp_path / "b", certs + "\nansible_winrm_transport: certificate")
    assert (c.password, c.cert_pem, c.cert_key_pem) == (None, "/c.pem", "/k.pem")
    found = problems(lambda: one(tmp_path / "c", "ansible_port: 5985\nansible_winrm_transport: certificate"))
    assert any("needs https" in p for p in found) and any("cert_key_pem" in p for p in found)


@pytest.mark.parametrize("variable, value, allowed", [
    ("ansible_winrm_transport", "digest", "ntlm, kerberos, credssp, basic, certificate"),
    ("ansible_winrm_scheme", "ftp", "http, https"),
    ("ansible_winrm_server_cert_validation", "strict", "validate, ignore"),
    ("ansible_winrm_message_encryption", "sometimes", "auto, always, never"),
])
def test_unknown_values_list_the_allowed_ones(tmp_path, variable, value, allowed):
    (found,) = problems(lambda: one(tmp_path, f"{USER_ENV}\n{variable}: {value}"))
    assert found.startswith(f"{tmp_path / 'hosts.yml'}:6: {variable}: ") and value in found and allowed in found


def test_bad_port(tmp_path):
    (found,) = problems(lambda: one(tmp_path, USER_ENV + "\nansible_port: winrm"))
    assert "ansible_port: must be a whole number from 1 to 65535" in found


# -- secrets -------------------------------------------------------------------------------------

def test_env_lookup_set_and_unset(tmp_path):
    assert one(tmp_path / "a", USER_ENV, environ={"WIN_PASS": "s3cret"}).password == "s3cret"
    (found,) = problems(lambda: one(tmp_path / "b", USER_ENV, environ={}))
    assert found.startswith(f"{tmp_path / 'b' / 'hosts.yml'}:5: ansible_password: ")
    assert "environment variable 'WIN_PASS' is not set" in found


def test_fqcn_and_double_quotes_are_ansibles_forms_too(tmp_path):
    c = one(tmp_path, "ansible_user: admin\nansible_password: '{{ lookup(\"ansible.builtin.env\", \"WIN_PASS\") }}'")
    assert c.password == "from-env"


def test_file_lookup_is_relative_to_the_base_folder_files_first(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "pw.txt").write_text("in files/  \n\n")
    (tmp_path / "pw.txt").write_text("beside")
    (tmp_path / "other.txt").write_text("beside only\n")
    lookup = "ansible_user: admin\nansible_password: \"{{{{ lookup('file', '{}') }}}}\""
    assert one(tmp_path / "x", lookup.format("pw.txt"), base_dir=tmp_path).password == "in files/"
    assert one(tmp_path / "y", lookup.format("other.txt"), base_dir=tmp_path).password == "beside only"
    assert one(tmp_path / "z", lookup.format(tmp_path / "pw.txt")).password == "beside"
    (found,) = problems(lambda: one(tmp_path / "w", lookup.format("nope.txt"), base_dir=tmp_path))
    assert "found no file" in found and str(tmp_path / "files" / "nope.txt") in found


def test_variable_chain_resolves_recursively(tmp_path):
    c = one(tmp_path, "ansible_user: '{{ win_user }}'\nwin_user: '{{ domain }}\\admin'\ndomain: CORP\n"
                      "ansible_password: '{{ a }}'\na: '{{ b }}'\nb: \"{{ lookup('env', 'WIN_PASS') }}\"\n"
                      "ansible_port: '{{ port }}'\nport: 5985\nansible_winrm_transport: ntlm")
    assert (c.user, c.password, c.port, c.scheme) == ("CORP\\admin", "from-env", 5985, "http")


def test_variable_loop_is_refused(tmp_path):
    found = problems(lambda: one(tmp_path, "ansible_user: admin\nansible_password: '{{ a }}'\na: '{{ b }}'\nb: '{{ a }}'"))
    assert any("loop: ansible_password -> a -> b -> a" in p for p in found)


def test_undefined_variable_is_refused(tmp_path):
    (found,) = problems(lambda: one(tmp_path, "ansible_user: '{{ nobody }}'"))
    assert "ansible_user: refers to 'nobody', which is not defined for host h1" in found


def test_inline_vault_value_is_decrypted(tmp_path):
    inv = inventory(tmp_path, "all:\n  hosts:\n    h1:\n",
                    group_vars__all_yml=f"ansible_user: admin\nansible_password: '{{{{ pw }}}}'\npw: {INLINE_VALUE}")
    assert connection_for(inv, "h1", secrets=SECRETS).password == "P@ss w0rd! {not a template}"
    found = problems(lambda: connection_for(inv, "h1"))
    assert found == [f"{tmp_path / 'group_vars' / 'all.yml'}:3: pw: this value is encrypted with ansible-vault; "
                     "give --vault-password-file or --ask-vault-pass"]
    wrong = VaultSecrets.from_options([str(VAULT / "prod.pass")])
    (message,) = problems(lambda: connection_for(inv, "h1", secrets=wrong))
    assert message.startswith(f"{tmp_path / 'group_vars' / 'all.yml'}:3: pw: ") and "HMAC did not match" in message


def test_password_from_a_whole_vaulted_file_is_not_literal():
    inv = load_inventory(VAULT / "inventory" / "hosts.yml", SECRETS.decrypt)
    c = connection_for(inv, "win1", secrets=SECRETS)
    assert (c.password, c.transport) == ("P@ss w0rd! {not a template}", "ntlm")
    # The same chain, ending in the whole vaulted group_vars/all.yml.
    inv.groups["windows"].file_vars["ansible_password"] = "{{ vault_domain_password }}"
    assert connection_for(inv, "win1", secrets=SECRETS).password == "D0main pass #2"


@pytest.mark.parametrize("template", ["{{ pw | default('x') }}", "{{ lookup('pipe', 'cat pw') }}",
                                      "{{ 'lit' }}", "{% if true %}x{% endif %}", "x{{ pw }}{{ pw.upper() }}"])
def test_any_other_template_is_an_error_never_a_literal(tmp_path, template):
    found = problems(lambda: one(tmp_path, f"ansible_user: admin\npw: x\nansible_password: \"{template}\"",
                                 allow_literal_secrets=True))
    assert len(found) == 1 and "ansible_password:" in found[0] and "are evaluated" in found[0]


# -- literal passwords ----------------------------------------------------------------------------

def test_literal_password_is_refused_unless_allowed(tmp_path):
    (found,) = problems(lambda: one(tmp_path / "a", "ansible_user: admin\nansible_password: Winter2024"))
    assert found.startswith(f"{tmp_path / 'a' / 'hosts.yml'}:5: ansible_password: a password written in clear")
    assert "--allow-literal-secrets" in found and "Winter2024" not in found
    assert one(tmp_path / "b", "ansible_user: admin\nansible_password: Winter2024",
               allow_literal_secrets=True).password == "Winter2024"


def test_literal_reached_through_a_variable_is_refused_at_its_own_line(tmp_path):
    inv = inventory(tmp_path, "all:\n  hosts:\n    h1:\n      ansible_user: admin\n      ansible_password: '{{ pw }}'\n",
                    group_vars__all_yml="# plain text\npw: Winter2024\n")
    (found,) = problems(lambda: connection_for(inv, "h1", secrets=SECRETS))
    assert found.startswith(f"{tmp_path / 'group_vars' / 'all.yml'}:2: pw: a password written in clear")


def test_literal_text_around_a_secret_is_literal(tmp_path):
    found = problems(lambda: one(tmp_path, "ansible_user: admin\nansible_password: \"x{{ lookup('env', 'WIN_PASS') }}\""))
    assert len(found) == 1 and "written in clear" in found[0]


def test_literal_password_in_ini_inventory_names_file_and_line(tmp_path):
    (tmp_path / "hosts.ini").write_text("[windows]\nh1 ansible_user=admin ansible_password=Winter2024\n")
    inv = load_inventory(tmp_path / "hosts.ini")
    (found,) = problems(lambda: connection_for(inv, "h1"))
    assert found.startswith(f"{tmp_path / 'hosts.ini'}:2: ansible_password: a password written in clear")


# -- validation --------------------------------------------------------------------------------------

def test_timeouts_from_inventory_and_the_read_over_operation_rule(tmp_path):
    c = one(tmp_path / "a", USER_ENV + "\nansible_winrm_operation_timeout_sec: 60\nansible_winrm_read_timeout_sec: '70'")
    assert (c.operation_timeout, c.read_timeout) == (60, 70)
    (found,) = problems(lambda: one(tmp_path / "b", USER_ENV + "\nansible_winrm_operation_timeout_sec: 30\n"
                                                              "ansible_winrm_read_timeout_sec: 30"))
    assert f"{tmp_path / 'b' / 'hosts.yml'}:7: ansible_winrm_read_timeout_sec: the read timeout (30s" in found
    assert "must be longer than the operation timeout (30s" in found
    (found,) = problems(lambda: one(tmp_path / "c", USER_ENV + "\nansible_winrm_operation_timeout_sec: 0"))
    assert "ansible_winrm_operation_timeout_sec: must be a whole number 1 or more" in found
    (found,) = problems(lambda: one(tmp_path / "d", USER_ENV + "\nansible_winrm_operation_timeout_sec: 40"))
    assert "ansible_winrm_operation_timeout_sec: the read timeout (30s, --read-timeout)" in found


def test_command_line_timeouts_are_defaults_and_connection_timeout_sets_both(tmp_path):
    c = one(tmp_path / "a", USER_ENV, operation_timeout=50, read_timeout=55)
    assert (c.operation_timeout, c.read_timeout) == (50, 55)
    (found,) = problems(lambda: one(tmp_path / "b", USER_ENV, operation_timeout=50, read_timeout=50))
    assert found.startswith("command line: --operation-timeout: the read timeout (50s, --read-timeout)")
    c = one(tmp_path / "c", USER_ENV + "\nansible_winrm_connection_timeout: 90\nansible_winrm_read_timeout_sec: 5")
    assert (c.operation_timeout, c.read_timeout) == (90, 100)


def test_basic_over_http_is_refused(tmp_path):
    message = ("Basic over HTTP is refused: credentials would cross the network in clear; use https or ntlm/kerberos")
    (found,) = problems(lambda: one(tmp_path / "a", USER_ENV + "\nansible_port: 5985\nansible_winrm_transport: basic"))
    assert found == f"{tmp_path / 'a' / 'hosts.yml'}:7: ansible_winrm_transport: {message}"
    (found,) = problems(lambda: one(tmp_path / "b", USER_ENV + "\nansible_winrm_scheme: http"))
    assert message in found and "Ansible then chooses Basic" in found
    (found,) = problems(lambda: one(tmp_path / "c", USER_ENV + "\nansible_port: 5985\nansible_winrm_transport: plaintext"))
    assert message in found


def test_unknown_and_unapplied_winrm_names_are_warned(tmp_path):
    c = one(tmp_path, USER_ENV + "\nansible_winrm_transprot: ntlm\nansible_winrm_kerberos_delegation: true"
                                 "\nansible_winrm_server_cert_validation: ignore")
    assert c.cert_validation == "ignore"
    hosts = tmp_path / "hosts.yml"
    assert c.warnings == (
        f"{hosts}:7: ansible_winrm_kerberos_delegation: is valid for Ansible but not applied by remediate",
        f"{hosts}:6: ansible_winrm_transprot: is not a WinRM setting Ansible knows; "
        "did you mean ansible_winrm_transport?")


def test_message_encryption_never_over_http_is_warned(tmp_path):
    c = one(tmp_path, USER_ENV + "\nansible_port: 5985\nansible_winrm_transport: ntlm\n"
                                 "ansible_winrm_message_encryption: never")
    assert len(c.warnings) == 1 and "cross the network in clear" in c.warnings[0]


# -- several hosts -------------------------------------------------------------------------------------

HOSTS = """all:
  vars:
    ansible_user: admin
    ansible_winrm_transport: ntlm
  hosts:
    a1:
    a2:
    a3:
      ansible_password: "{{ lookup('env', 'WIN_PASS') }}"
"""


def test_ask_pass_prompts_once_for_every_host_without_a_password(tmp_path):
    asked: list[str] = []
    found = connections(inventory(tmp_path, HOSTS), ["a1", "a2", "a3"], environ=ENV,
                        ask_pass=lambda text: asked.append(text) or "typed")
    assert asked == ["WinRM password: "]
    assert [c.password for c in found] == ["typed", "typed", "from-env"]


def test_no_prompt_when_every_host_has_a_password_and_an_error_without_ask_pass(tmp_path):
    inv = inventory(tmp_path, HOSTS)
    assert connections(inv, ["a3"], environ=ENV, ask_pass=lambda _: pytest.fail("asked"))[0].password == "from-env"
    (found,) = problems(lambda: connections(inv, ["a1", "a2", "a3"], environ=ENV))
    assert "no password for a1, a2" in found and "--ask-pass" in found


def test_input_problems_come_before_the_prompt_and_once_per_variable(tmp_path):
    inv = inventory(tmp_path, HOSTS.replace("ansible_winrm_transport: ntlm", "ansible_winrm_transport: digest"))
    found = problems(lambda: connections(inv, ["a1", "a2", "a3"], environ=ENV, ask_pass=lambda _: pytest.fail("asked")))
    assert len(found) == 1 and "unknown transport 'digest'" in found[0]


def test_repr_masks_the_password(tmp_path):
    text = repr(one(tmp_path, USER_ENV))
    assert "from-env" not in text and "password='********'" in text
