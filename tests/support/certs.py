"""Test certificates made with `cryptography`: a CA, a server certificate it signed
(SAN 127.0.0.1 and localhost) and an unrelated CA, for HTTPS tests of the WinRM endpoint;
client certificates (a UPN in the SAN) for its certificate authentication.

    certs = make_certs(tmp_path)            # or a temporary directory when none is given
    certs.ca_cert, certs.server_cert, certs.server_key, certs.other_ca_cert   # PEM file paths

`ca_cert` is what a client passes as `ca_trust_path=`; `other_ca_cert` is a valid CA file
that did not sign the server certificate (validation against it must fail).
"""

from __future__ import annotations

import datetime
import ipaddress
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Certs:
    directory: Path
    ca_cert: Path          # PEM, the CA that signed server_cert
    ca_key: Path
    server_cert: Path      # PEM, SAN IP:127.0.0.1, DNS:localhost
    server_key: Path       # PEM, unencrypted PKCS#8
    other_ca_cert: Path    # PEM, an unrelated CA (did not sign server_cert)
    other_ca_key: Path


def _new_key(kind: str):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"key kind must be 'ec' or 'rsa', not {kind!r}")


def _write_key(path: Path, key) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _make_ca(common_name: str, key, now: datetime.datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "remediate tests")])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
            .sign(key, hashes.SHA256()))


def make_certs(directory: str | Path | None = None, *, key_kind: str = "ec",
               hostnames: tuple[str, ...] = ("localhost",),
               addresses: tuple[str, ...] = ("127.0.0.1",)) -> Certs:
    """Write a CA, a server certificate signed by it and an unrelated CA into `directory`
    (a new temporary directory when None; pytest's `tmp_path` fits). EC P-256 keys by
    default (fast); `key_kind="rsa"` for 2048-bit RSA like a typical Windows listener."""
    out = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="remediate-certs-"))
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    ca_key = _new_key(key_kind)
    ca = _make_ca("remediate test CA", ca_key, now)
    other_key = _new_key(key_kind)
    other = _make_ca("remediate unrelated CA", other_key, now)

    server_key = _new_key(key_kind)
    san = [x509.DNSName(h) for h in hostnames] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    server = _leaf(hostnames[0] if hostnames else addresses[0], san, ExtendedKeyUsageOID.SERVER_AUTH, server_key,
                   ca, ca_key, now)

    certs = Certs(directory=out, ca_cert=out / "ca.pem", ca_key=out / "ca.key",
                  server_cert=out / "server.pem", server_key=out / "server.key",
                  other_ca_cert=out / "other-ca.pem", other_ca_key=out / "other-ca.key")
    _write_cert(certs.ca_cert, ca)
    _write_key(certs.ca_key, ca_key)
    _write_cert(certs.server_cert, server)
    _write_key(certs.server_key, server_key)
    _write_cert(certs.other_ca_cert, other)
    _write_key(certs.other_ca_key, other_key)
    return certs


UPN = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")     # Microsoft's User Principal Name otherName


def make_client_cert(certs: Certs, upn: str, *, by_other_ca: bool = False) -> tuple[Path, Path]:
    """A client-authentication certificate for `upn` (in its SAN, as Windows' certificate mapping
    reads it), signed by the test CA or the unrelated one: (certificate PEM, key PEM) paths."""
    issuer_cert, issuer_key = ((certs.other_ca_cert, certs.other_ca_key) if by_other_ca
                               else (certs.ca_cert, certs.ca_key))
    ca = x509.load_pem_x509_certificate(issuer_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(issuer_key.read_bytes(), password=None)
    key = _new_key("ec")
    utf8 = upn.encode("utf-8")
    der = b"\x0c" + bytes([len(utf8)]) + utf8       # DER UTF8String (short form: a UPN under 128 bytes)
    cert = _leaf(upn.split("@")[0], [x509.OtherName(UPN, der)], ExtendedKeyUsageOID.CLIENT_AUTH, key, ca, ca_key,
                 datetime.datetime.now(datetime.UTC))
    stem = f"client-{upn.replace('@', '-at-')}{'-other-ca' if by_other_ca else ''}"
    paths = certs.directory / f"{stem}.pem", certs.directory / f"{stem}.key"
    _write_cert(paths[0], cert)
    _write_key(paths[1], key)
    return paths


def _leaf(common_name: str, san: list, usage: x509.ObjectIdentifier, key, ca: x509.Certificate, ca_key,
          now: datetime.datetime) -> x509.Certificate:
    return (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=isinstance(key, rsa.RSAPrivateKey),
                                         content_commitment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))


if __name__ == "__main__":  # python tests/certs.py [DIR]
    import sys
    made = make_certs(sys.argv[1] if len(sys.argv) > 1 else None)
    print(made.directory)
