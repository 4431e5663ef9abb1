"""ansible-vault decryption (formats 1.1 and 1.2, AES256) with `cryptography`, no Ansible needed.

A team's vaulted inventory is read with the passwords it already uses. Every step follows
ansible-core's `lib/ansible/parsing/vault/__init__.py` (checked against ansible-core 2.19):

- envelope (`_parse_vaulttext_envelope`): header `$ANSIBLE_VAULT;<version>;<cipher>[;<vault id>]`,
  the id only in 1.2; the body is the following lines joined, hex text;
- body (`_parse_vaulttext`): unhexlify, split on the first two newlines into hex salt, hex
  HMAC and hex ciphertext;
- keys (`VaultAES256._gen_key_initctr`, `_create_key_cryptography`): PBKDF2-HMAC-SHA256,
  10000 iterations, 80 bytes = AES key (32), HMAC key (32), CTR initial counter (16);
- `VaultAES256._decrypt_cryptography`: HMAC-SHA256 of the ciphertext with the HMAC key,
  verified in constant time (`cryptography`'s `HMAC.verify`) BEFORE decrypting, then
  AES-256-CTR and PKCS7 (128-bit) unpadding;
- secrets (`VaultLib.decrypt_and_get_vault_id`, default `DEFAULT_VAULT_ID_MATCH=False`): the
  secret whose id matches the text's vault id is tried first, then every other secret in
  order; the id is a hint only (it is not authenticated), so a right password under
  another id still decrypts, as with `ansible-vault`;
- password files (`FileVaultSecret._read_file`): whole file, surrounding whitespace
  stripped, empty refused; prompted passwords are stripped too (`PromptVaultSecret`);
  `--vault-password-file` entries get the id `default`, `id@path` and `id@prompt` as
  `--vault-id` (`CLI.split_vault_id`, `CLI.setup_vault_secrets`).

Differences: an executable password file is refused (Ansible runs it as a script), and
format 1.0 (cipher `AES`, removed from ansible-core) is refused. Plaintext never appears
in errors or logs.
"""

from __future__ import annotations

import binascii
import functools
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from remediate.core.errors import InputError, Problem

HEADER = "$ANSIBLE_VAULT;"
DEFAULT_ID = "default"
Prompt = Callable[[str], str]


class VaultSecrets:
    """Vault passwords, each with its vault id, in the order they are tried."""

    def __init__(self, secrets: Sequence[tuple[str, bytes]] = ()):
        self._secrets = [(vault_id, password) for vault_id, password in secrets]

    def __repr__(self) -> str:
        return f"VaultSecrets(ids={self.ids})"

    def __bool__(self) -> bool:
        return bool(self._secrets)

    @property
    def ids(self) -> list[str]:
        return [vault_id for vault_id, _ in self._secrets]

    @classmethod
    def from_options(cls, password_files: Sequence[str] = (), ask: bool = False,
                     prompt: Prompt | None = None) -> VaultSecrets:
        """From `--vault-password-file` values (`path`, `id@path`, `id@prompt`) and `--ask-vault-pass`."""
        secrets: list[tuple[str, bytes]] = []
        problems: list[Problem] = []
        for entry in password_files:
            vault_id, source = _split_vault_id(entry)
            try:
                if source == "prompt":
                    secrets.append((vault_id, _ask(prompt, f"Vault password ({vault_id}): ", entry)))
                else:
                    secrets.append((vault_id, _read_password_file(Path(source))))
            except InputError as exc:
                problems.extend(exc.problems)
        if ask:
            try:
                secrets.append((DEFAULT_ID, _ask(prompt, "Vault password: ", "--ask-vault-pass")))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        return cls(secrets)

    def decrypt(self, text: str, source: str, line: int | None = None, key: str = "") -> str:
        """The plaintext of a vault text from `source` (file; `line`/`key` for an inline value).

        Matches `inventory.Decrypt`, so `load_inventory(path, secrets.decrypt)` reads vaulted files.
        """
        def fail(message: str) -> InputError:
            return InputError([Problem(source, line, key, message)])

        vault_id, salt, mac, ciphertext = _parse(text, fail)
        if not self._secrets:
            raise fail("this value is encrypted with ansible-vault and no vault password was given; "
                       "use --vault-password-file or --ask-vault-pass")
        ordered = ([s for s in self._secrets if s[0] == vault_id]
                   + [s for s in self._secrets if s[0] != vault_id])
        for _, password in ordered:
            plain = _decrypt(password, salt, mac, ciphertext)
            if plain is not None:
                try:
                    return plain.decode("utf-8")
                except UnicodeDecodeError:
                    raise fail("the decrypted text is not UTF-8") from None
        given = ", ".join(self.ids)
        hint = (f"; it was encrypted for vault id {vault_id!r} and no password was given for that id"
                if vault_id != DEFAULT_ID and vault_id not in self.ids else "")
        raise fail(f"cannot decrypt: the HMAC did not match with any vault password given (ids: {given})"
                   f"{hint}; the password is wrong, or the encrypted text was changed or truncated")


def _split_vault_id(entry: str) -> tuple[str, str]:
    """`id@source` -> (id, source); a plain path (even one holding '@') -> ('default', path)."""
    if "@" not in entry or Path(entry).is_file():
        return DEFAULT_ID, entry
    vault_id, source = entry.split("@", 1)
    return vault_id or DEFAULT_ID, source


def _read_password_file(path: Path) -> bytes:
    name = str(path)
    if path.is_file() and os.access(path, os.X_OK) and os.name != "nt":
        raise InputError([Problem(name, None, "", "the vault password file is executable: Ansible would run it "
                                                  "as a password script, which remediate does not do; "
                                                  "remove the executable bit (chmod -x) if it holds the password")])
    try:
        password = path.read_bytes().strip()
    except OSError as exc:
        raise InputError([Problem(name, None, "", f"cannot read the vault password file: {exc.strerror}")]) from None
    if not password:
        raise InputError([Problem(name, None, "", "the vault password file is empty")])
    return password


def _ask(prompt: Prompt | None, text: str, option: str) -> bytes:
    if prompt is None:
        raise InputError([Problem(option, None, "", "a vault password prompt was asked for but there is no terminal")])
    password = prompt(text).encode("utf-8").strip()
    if not password:
        raise InputError([Problem(option, None, "", "an empty vault password was entered")])
    return password


def _parse(text: str, fail: Callable[[str], InputError]) -> tuple[str, bytes, bytes, bytes]:
    """Envelope and body -> (vault id, salt, HMAC, ciphertext); format problems raise."""
    lines = text.strip().splitlines()
    header = lines[0].strip().split(";") if lines else []
    if len(header) < 3 or header[0] != HEADER[:-1]:
        raise fail("not an ansible-vault text: it must start with $ANSIBLE_VAULT;1.1;AES256")
    version, cipher = header[1].strip(), header[2].strip()
    if version not in ("1.1", "1.2") or cipher != "AES256":
        raise fail(f"unsupported ansible-vault format {version};{cipher}: only 1.1 and 1.2 with AES256 "
                   "are read (re-encrypt older files with ansible-vault rekey)")
    vault_id = header[3].strip() if len(header) >= 4 and header[3].strip() else DEFAULT_ID
    try:
        body = binascii.unhexlify("".join(line.strip() for line in lines[1:]))
        salt_hex, mac_hex, data_hex = body.split(b"\n", 2)
        salt, mac, ciphertext = (binascii.unhexlify(salt_hex), binascii.unhexlify(mac_hex),
                                 binascii.unhexlify(data_hex))
    except (binascii.Error, ValueError):
        raise fail("the ansible-vault text is damaged or truncated: its body is not the hex "
                   "salt, HMAC and ciphertext ansible-vault writes") from None
    if not salt or len(mac) != 32 or not ciphertext or len(ciphertext) % 16:
        raise fail("the ansible-vault text is damaged or truncated: salt, HMAC or ciphertext has the wrong length")
    return vault_id, salt, mac, ciphertext


@functools.lru_cache(maxsize=64)
def _keys(password: bytes, salt: bytes) -> tuple[bytes, bytes, bytes]:
    """(AES key, HMAC key, CTR counter): cached, as Ansible caches `_gen_key_initctr`, since PBKDF2 is slow."""
    derived = PBKDF2HMAC(algorithm=hashes.SHA256(), length=80, salt=salt, iterations=10000).derive(password)
    return derived[:32], derived[32:64], derived[64:80]


def _decrypt(password: bytes, salt: bytes, mac: bytes, ciphertext: bytes) -> bytes | None:
    """Plain bytes, or None when the HMAC does not match (wrong password or changed data)."""
    aes_key, hmac_key, counter = _keys(password, salt)
    check = HMAC(hmac_key, hashes.SHA256())
    check.update(ciphertext)
    try:
        check.verify(mac)
    except InvalidSignature:
        return None
    decryptor = Cipher(algorithms.AES(aes_key), modes.CTR(counter)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(decryptor.update(ciphertext) + decryptor.finalize()) + unpadder.finalize()
    except ValueError:
        return None
