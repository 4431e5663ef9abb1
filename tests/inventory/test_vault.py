"""ansible-vault decryption against files made by the real ansible-vault (see data/vault/README.md)."""

from __future__ import annotations

import binascii
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from remediate.core.errors import InputError
from remediate.core.yamlsource import VaultText, parse_yaml
from remediate.inventory import load_inventory
from remediate.inventory.vault import VaultSecrets

from conftest import DATA

VAULTS = DATA / "vault"
DEFAULT_PASS = VAULTS / "default.pass"
PROD_PASS = VAULTS / "prod.pass"
PLAIN_11 = "first line of the 1.1 file\nsecond line: ünïcödé ✓\n"
PLAIN_12 = "encrypted for vault id prod (format 1.2)\n"
INLINE = "P@ss w0rd! {not a template}"


def secrets(*entries: str | Path) -> VaultSecrets:
    return VaultSecrets.from_options([str(e) for e in entries])


def error_of(call) -> str:
    with pytest.raises(InputError) as caught:
        call()
    return str(caught.value)


def fixture(name: str) -> str:
    return (VAULTS / name).read_text(encoding="utf-8")


def tamper(text: str) -> str:
    """Change one hex digit of the ciphertext itself, keeping the envelope well formed."""
    header, *lines = text.strip().splitlines()
    salt, mac, data = binascii.unhexlify("".join(lines)).split(b"\n", 2)
    data = (b"1" if data[:1] != b"1" else b"2") + data[1:]
    body = binascii.hexlify(b"\n".join([salt, mac, data])).decode()
    return "\n".join([header, *(body[i:i + 80] for i in range(0, len(body), 80))]) + "\n"


# -- files made by ansible-vault ------------------------------------------------------------

def test_format_11_file_decrypts():
    assert secrets(DEFAULT_PASS).decrypt(fixture("file-1.1.vault"), "file-1.1.vault") == PLAIN_11


def test_format_12_file_with_vault_id_decrypts():
    text = fixture("file-1.2-prod.vault")
    assert text.startswith("$ANSIBLE_VAULT;1.2;AES256;prod\n")
    assert secrets(DEFAULT_PASS, f"prod@{PROD_PASS}").decrypt(text, "f") == PLAIN_12


def test_inline_encrypt_string_value_in_group_vars_decrypts():
    doc = parse_yaml(fixture("inventory/group_vars/windows.yml"), "windows.yml")
    value = doc.data["vault_win_password"]
    assert isinstance(value, VaultText)
    assert secrets(DEFAULT_PASS).decrypt(value, "windows.yml", doc.line_of(("vault_win_password",))) == INLINE


def test_whole_vaulted_group_vars_file_through_the_inventory_hook():
    vault = secrets(DEFAULT_PASS)
    variables = load_inventory(VAULTS / "inventory" / "hosts.yml", vault.decrypt).host_vars("win1")
    assert variables["ansible_winrm_transport"] == "ntlm"
    assert variables["vault_domain_password"] == "D0main pass #2"
    assert vault.decrypt(variables["vault_win_password"], "x") == INLINE


def test_secret_for_the_matching_id_is_tried_first_then_the_others_as_ansible_does():
    text = fixture("file-1.2-prod.vault")
    assert secrets(f"dev@{DEFAULT_PASS}", f"prod@{PROD_PASS}").decrypt(text, "f") == PLAIN_12
    # The id is not authenticated: ansible-vault view --vault-id dev@prod.pass decrypts it too.
    assert secrets(f"dev@{PROD_PASS}").decrypt(text, "f") == PLAIN_12


def test_several_secrets_are_tried_for_a_format_11_file():
    assert secrets(f"prod@{PROD_PASS}", DEFAULT_PASS).decrypt(fixture("file-1.1.vault"), "f") == PLAIN_11


# -- failures --------------------------------------------------------------------------------

def test_wrong_password_names_the_file_and_says_the_hmac_did_not_match():
    message = error_of(lambda: secrets(PROD_PASS).decrypt(fixture("file-1.1.vault"), "group_vars/all.yml"))
    assert message.startswith("group_vars/all.yml: ")
    assert "HMAC did not match" in message and "password is wrong" in message
    assert "first line" not in message


def test_inline_value_error_names_file_line_and_key():
    message = error_of(lambda: secrets(PROD_PASS).decrypt(VaultText(fixture("file-1.1.vault")),
                                                          "group_vars/windows.yml", 4, "vault_win_password"))
    assert message.startswith("group_vars/windows.yml:4: vault_win_password: ")
    assert "HMAC did not match" in message


def test_wrong_vault_id_says_which_id_is_missing():
    message = error_of(lambda: secrets(f"dev@{DEFAULT_PASS}").decrypt(fixture("file-1.2-prod.vault"), "f"))
    assert "vault id 'prod'" in message and "ids: dev" in message and "HMAC did not match" in message


def test_tampered_ciphertext_is_refused_before_decrypting():
    message = error_of(lambda: secrets(DEFAULT_PASS).decrypt(tamper(fixture("file-1.1.vault")), "f"))
    assert "HMAC did not match" in message and "changed or truncated" in message


def test_tampered_hmac_is_refused():
    text = fixture("file-1.1.vault")
    header, *lines = text.strip().splitlines()
    salt, mac, data = binascii.unhexlify("".join(lines)).split(b"\n", 2)
    forged = binascii.hexlify(b"\n".join([salt, b"0" * 64, data])).decode()
    assert "HMAC did not match" in error_of(lambda: secrets(DEFAULT_PASS).decrypt(f"{header}\n{forged}\n", "f"))


@pytest.mark.parametrize("keep", [1, 2, 3])
def test_truncated_file_is_a_clear_error(keep):
    lines = fixture("file-1.1.vault").splitlines()
    message = error_of(lambda: secrets(DEFAULT_PASS).decrypt("\n".join(lines[:keep]) + "\n", "cut.vault"))
    assert message.startswith("cut.vault: ") and "truncated" in message


def test_truncated_by_whole_blocks_fails_the_hmac():
    header, *lines = fixture("file-1.1.vault").strip().splitlines()
    salt, mac, data = binascii.unhexlify("".join(lines)).split(b"\n", 2)
    body = binascii.hexlify(b"\n".join([salt, mac, data[:-32]])).decode()
    assert "HMAC did not match" in error_of(lambda: secrets(DEFAULT_PASS).decrypt(f"{header}\n{body}\n", "f"))


@pytest.mark.parametrize("text, expected", [
    ("hello", "not an ansible-vault text"),
    ("$ANSIBLE_VAULT;1.0;AES\n00\n", "unsupported ansible-vault format 1.0;AES"),
    ("$ANSIBLE_VAULT;1.1;AES256\nzz\n", "damaged or truncated"),
])
def test_malformed_texts(text, expected):
    assert expected in error_of(lambda: secrets(DEFAULT_PASS).decrypt(text, "f"))


def test_no_secrets_asks_for_a_vault_password():
    message = error_of(lambda: VaultSecrets().decrypt(fixture("file-1.1.vault"), "f"))
    assert "--vault-password-file or --ask-vault-pass" in message


def test_wrong_password_on_a_whole_vaulted_vars_file_names_that_file():
    vault = secrets(PROD_PASS)
    message = error_of(lambda: load_inventory(VAULTS / "inventory" / "hosts.yml", vault.decrypt))
    assert message.startswith(str(VAULTS / "inventory" / "group_vars" / "all.yml") + ": ")
    assert "HMAC did not match" in message


# -- passwords -------------------------------------------------------------------------------

def test_password_file_is_stripped_and_prompt_is_used_for_ask_vault_pass(tmp_path):
    padded = tmp_path / "padded"
    padded.write_bytes(b"  correct horse battery staple \r\n\n")
    assert secrets(padded).decrypt(fixture("file-1.1.vault"), "f") == PLAIN_11
    asked: list[str] = []
    vault = VaultSecrets.from_options(ask=True, prompt=lambda text: asked.append(text) or "correct horse battery staple\n")
    assert vault.decrypt(fixture("file-1.1.vault"), "f") == PLAIN_11 and asked == ["Vault password: "]
    assert VaultSecrets.from_options(["prod@prompt"], prompt=lambda _: "prod secret 42").ids == ["prod"]


def test_a_path_with_at_sign_is_a_path_when_it_exists(tmp_path):
    odd = tmp_path / "me@host.pass"
    odd.write_text("correct horse battery staple\n")
    assert secrets(odd).ids == ["default"]


def test_password_file_problems_are_input_errors(tmp_path):
    empty, script = tmp_path / "empty", tmp_path / "script"
    empty.write_text(" \n")
    script.write_text("#!/bin/sh\necho pw\n")
    script.chmod(0o755)
    message = error_of(lambda: secrets(empty, tmp_path / "missing", script))
    assert f"{empty}: the vault password file is empty" in message
    assert f"{tmp_path / 'missing'}: cannot read the vault password file" in message
    if os.name != "nt":
        assert f"{script}: the vault password file is executable" in message
    assert "--ask-vault-pass: " in error_of(lambda: VaultSecrets.from_options(ask=True, prompt=lambda _: " "))


def test_repr_shows_ids_only():
    assert repr(secrets(DEFAULT_PASS)) == "VaultSecrets(ids=['default'])"


# -- fresh files from the real ansible-vault, when it is available --------------------------------

def _ansible_vault() -> list[str] | None:
    """REMEDIATE_ANSIBLE_VAULT (a path), ansible-vault on PATH, or ansible importable here."""
    if os.environ.get("REMEDIATE_ANSIBLE_VAULT"):
        return [os.environ["REMEDIATE_ANSIBLE_VAULT"]]
    if shutil.which("ansible-vault"):
        return [str(shutil.which("ansible-vault"))]
    if importlib.util.find_spec("ansible") is not None:
        return [sys.executable, "-m", "ansible.cli.vault"]
    return None


@pytest.mark.skipif(_ansible_vault() is None, reason="ansible-vault is not installed (set REMEDIATE_ANSIBLE_VAULT)")
@pytest.mark.parametrize("plaintext", ["x", "exactly 16 bytes", "ünïcödé ✓ " * 40 + "\nlast line\n"])
def test_fresh_files_from_ansible_vault_decrypt(tmp_path, plaintext):
    command = _ansible_vault()
    assert command is not None
    (tmp_path / "a.pass").write_text("fresh password A\n")
    (tmp_path / "b.pass").write_text("fresh password B\n")
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")  # no user or system configuration
    env = {**os.environ, "ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"), "ANSIBLE_HOME": str(tmp_path)}

    def run(*args: str, stdin: str | None = None) -> str:
        done = subprocess.run([*command, *args], cwd=tmp_path, input=stdin, capture_output=True, text=True,
                              env=env, check=True, timeout=120)
        return done.stdout

    (tmp_path / "v11").write_text(plaintext, encoding="utf-8")
    (tmp_path / "v12").write_text(plaintext, encoding="utf-8")
    run("encrypt", "--vault-password-file", "a.pass", "v11")
    run("encrypt", "--vault-id", "blue@b.pass", "--encrypt-vault-id", "blue", "v12")
    inline = run("encrypt_string", "--vault-password-file", "a.pass", "--stdin-name", "secret", stdin=plaintext)

    vault = secrets(tmp_path / "a.pass", f"blue@{tmp_path / 'b.pass'}")
    v12 = (tmp_path / "v12").read_text()
    assert v12.startswith("$ANSIBLE_VAULT;1.2;AES256;blue")
    assert vault.decrypt((tmp_path / "v11").read_text(), "v11") == plaintext
    assert vault.decrypt(v12, "v12") == plaintext
    value = parse_yaml(inline, "inline.yml").data["secret"]
    assert isinstance(value, VaultText) and vault.decrypt(value, "inline.yml") == plaintext
    assert "HMAC did not match" in error_of(lambda: secrets(tmp_path / "b.pass").decrypt(
        (tmp_path / "v11").read_text(), "v11"))
