"""A throwaway MIT Kerberos realm for tests: a KDC on 127.0.0.1, a user, and the HTTP service
principal of the WinRM test endpoint with its keytab. Needs Debian's krb5-kdc, krb5-admin-server
and krb5-user (kdb5_util, kadmin.local, krb5kdc, kinit); `available()` says whether they are here.

    with realm(tmp_path) as r:
        r.environ        # KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5_KTNAME, KRB5CCNAME to set
        r.kinit()        # a ticket for r.user into r.ccache
        r.add_user("deployer", "pass")   # another principal
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REALM = "REMEDIATE.TEST"
TOOLS = ("krb5kdc", "kdb5_util", "kadmin.local", "kinit")


def available() -> bool:
    return all(shutil.which(t) or Path("/usr/sbin", t).exists() for t in TOOLS)


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


@dataclass(frozen=True)
class Realm:
    name: str
    user: str               # user@REALM
    password: str
    service_host: str       # the host part of HTTP/<host>@REALM, as clients name the endpoint
    folder: Path
    environ: dict[str, str]

    @property
    def ccache(self) -> Path:
        return self.folder / "ccache"

    def add_user(self, name: str, password: str) -> str:
        """Another principal of the realm: name@REALM."""
        principal = f"{name}@{self.name}"
        subprocess.run([_tool("kadmin.local"), "-r", self.name, "-q", f'addprinc -pw "{password}" {principal}'],
                       env={**os.environ, **self.environ}, check=True, capture_output=True, timeout=60)
        return principal

    def kinit(self) -> None:
        subprocess.run([_tool("kinit"), "-c", f"FILE:{self.ccache}", self.user], input=self.password + "\n",
                       text=True, env={**os.environ, **self.environ}, check=True, capture_output=True, timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def realm(folder: Path, user: str = "remediate", password: str = "Kerb-pass-1",
          service_host: str = "127.0.0.1") -> Iterator[Realm]:
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    (folder / "krb5.conf").write_text(f"""[libdefaults]
    default_realm = {REALM}
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    udp_preference_limit = 1
[realms]
    {REALM} = {{
        kdc = 127.0.0.1:{port}
    }}
[domain_realm]
    {service_host} = {REALM}
""")
    (folder / "kdc.conf").write_text(f"""[kdcdefaults]
    kdc_ports = {port}
    kdc_tcp_ports = {port}
[realms]
    {REALM} = {{
        database_name = {folder}/principal
        key_stash_file = {folder}/stash
        acl_file = {folder}/kadm5.acl
        max_life = 1h
    }}
""")
    (folder / "kadm5.acl").write_text("")
    environ = {"KRB5_CONFIG": str(folder / "krb5.conf"), "KRB5_KDC_PROFILE": str(folder / "kdc.conf"),
               "KRB5_KTNAME": f"FILE:{folder / 'http.keytab'}", "KRB5CCNAME": f"FILE:{folder / 'ccache'}"}
    env = {**os.environ, **environ}

    def run(*args: str) -> None:
        subprocess.run(list(args), env=env, check=True, capture_output=True, timeout=60)

    run(_tool("kdb5_util"), "-r", REALM, "-P", "master-pass-1", "create", "-s")
    run(_tool("kadmin.local"), "-r", REALM, "-q", f'addprinc -pw "{password}" {user}@{REALM}')
    run(_tool("kadmin.local"), "-r", REALM, "-q", f"addprinc -randkey HTTP/{service_host}@{REALM}")
    run(_tool("kadmin.local"), "-r", REALM, "-q", f"ktadd -k {folder / 'http.keytab'} HTTP/{service_host}@{REALM}")
    kdc = subprocess.Popen([_tool("krb5kdc"), "-n", "-r", REALM], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if kdc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"krb5kdc did not start (exit code {kdc.poll()})")
            time.sleep(0.05)
        yield Realm(REALM, f"{user}@{REALM}", password, service_host, folder, environ)
    finally:
        kdc.terminate()
        kdc.wait(10)
