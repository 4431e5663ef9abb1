"""Kerberos tickets for the run, as Ansible's winrm plugin gets them (kinit_mode managed, its
default for a kerberos host with a password): `kinit [kinit_args] ansible_user` with the
password on kinit's standard input, in a new session, with only PATH, KRB5CCNAME and the
`kinit_env_vars` in its environment.

Ansible gives each host's process a file cache of its own. Here hosts share a process, so the
tickets go into one credential-cache collection of this run (`DIR:`), where each principal
gets its own cache, and pywinrm (pykerberos) picks the one of the host's ansible_user.
KRB5CCNAME points at the collection while the run lasts (worker processes inherit it), then
the collection is deleted. One kinit per principal: a wrong password is tried once, so the
account is not locked out.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

from remediate.apply.connection import Connection

KINIT_TIMEOUT = 60      # seconds


@contextlib.contextmanager
def tickets(connections: list[Connection]) -> Iterator[dict[str, str]]:
    """While it lasts, the managed hosts' tickets are in KRB5CCNAME; yields host -> why it has none."""
    managed = [c for c in connections if c.kinit_managed]
    if not managed:
        yield {}
        return
    folder = tempfile.mkdtemp(prefix="remediate-krb5-")
    collection = f"DIR:{folder}"
    outcome: dict[tuple, str | None] = {}
    failures: dict[str, str] = {}     # host -> why kinit gave it no ticket
    for c in managed:
        key = (c.user, c.password, c.kinit_cmd, c.kinit_args, c.kinit_env_vars)
        if key not in outcome:
            outcome[key] = _kinit(c, collection)
        why = outcome[key]
        if why:
            failures[c.host] = why
    saved = os.environ.get("KRB5CCNAME")
    os.environ["KRB5CCNAME"] = collection
    try:
        yield failures
    finally:
        if saved is None:
            os.environ.pop("KRB5CCNAME", None)
        else:
            os.environ["KRB5CCNAME"] = saved
        shutil.rmtree(folder, ignore_errors=True)


def _kinit(c: Connection, collection: str) -> str | None:
    """None when the principal has its ticket, else what went wrong (the password never in it)."""
    command = [c.kinit_cmd, *shlex.split(c.kinit_args or ""), c.user or ""]
    env = {"PATH": os.environ.get("PATH", os.defpath), "KRB5CCNAME": collection}
    env.update({name: os.environ[name] for name in c.kinit_env_vars if name in os.environ and name != "KRB5CCNAME"})
    try:
        done = subprocess.run(command, input=f"{c.password or ''}\n", env=env, capture_output=True, encoding="utf-8",
                              errors="replace", start_new_session=True, timeout=KINIT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return (f"Kerberos: {c.kinit_cmd!r} did not run for {c.user} ({exc}): install MIT Kerberos' kinit (Debian: "
                "krb5-user) or set ansible_winrm_kinit_cmd, or run kinit yourself with ansible_winrm_kinit_mode: "
                "manual")
    if done.returncode == 0:
        return None
    said = " ".join((done.stderr or done.stdout).split())
    if c.password:
        said = said.replace(c.password, "********")
    return (f"Kerberos: kinit for {c.user} failed ({said or f'exit code {done.returncode}'}): check ansible_user "
            "(user@REALM) and ansible_password, and the realm's KDC in krb5.conf (pass KRB5_CONFIG with "
            "ansible_winrm_kinit_env_vars if yours is not the default); not retried, so the account is not locked out")
