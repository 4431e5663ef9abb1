"""B.5 (the account asked for must arrive) and B.6 (rights: resource.grants) of the model.

Base policy (tests/conftest.py): IIS 7.5 on web01 in CONTOSO, \\\\fs01\\reports read, access.as
service-account. Each case names the identity that arrives and the grants known on fs01; the
expectations follow the rules as written, not the code's output:
- identity_ok: the named account (qualified: a bare name is WEB01\\name, compared without case)
  arrives; without a named account any fixed recognised account; anonymous also a null session.
- authorized: true when a grant names the identity (or Everyone / Authenticated Users for an
  account, Domain Computers for a computer account or gMSA, ANONYMOUS LOGON for a null session
  and Everyone only where EveryoneIncludesAnonymous is 1) with at least resource.access; false
  when grants are known and none covers it; unknown when not known or when a group whose
  members are not known is granted.
"""

from __future__ import annotations

import pytest

from remediate.diagnosis import diagnose

COMPUTER = {"iis": {"runs_as": "process"}, "access": {"account": None, "password": None}}   # CONTOSO\WEB01$
GMSA_POOL = {"iis": {"version": "10.0", "runs_as": "process", "app_pool_identity": "CONTOSO\\gmsa-rep$"},
             "access": {"account": None, "password": None}}
DOMAIN_ANON = {"iis": {"anonymous_account": "CONTOSO\\svc-reports"}}                      # the named account
NULL = {"iis": {"version": "10.0"}, "access": {"as": "anonymous", "account": None, "password": None},
        "resource": {"null_session_shares": ["reports"]}}
MIRRORED = {"iis": {"workgroup": True, "domain": None, "anonymous_account": "webanon"},
            "access": {"account": "webanon", "password": None}, "resource": {"local_accounts": ["webanon"]}}


def grants(*entries: tuple[str, str], **resource) -> dict:
    return {"resource": {"grants": [{"account": a, "access": level} for a, level in entries], **resource}}


def verdict_of(make_policy, *parts: dict):
    from conftest import merged
    overrides: dict = {}
    for part in parts:
        overrides = merged(overrides, part)
    return diagnose(make_policy(**overrides))


@pytest.mark.parametrize("identity, granted, authorized", [
    # the identity itself, at each level against access: read
    (DOMAIN_ANON, [("CONTOSO\\svc-reports", "read")], True),
    (DOMAIN_ANON, [("contoso\\SVC-REPORTS", "full")], True),
    (COMPUTER, [("CONTOSO\\WEB01$", "change")], True),
    # the well-known groups (B.6)
    (DOMAIN_ANON, [("Everyone", "read")], True),
    (DOMAIN_ANON, [("Authenticated Users", "read")], True),
    (DOMAIN_ANON, [("NT AUTHORITY\\Authenticated Users", "read")], True),
    (COMPUTER, [("CONTOSO\\Domain Computers", "read")], True),
    (GMSA_POOL, [("CONTOSO\\Domain Computers", "read")], True),
    (DOMAIN_ANON, [("CONTOSO\\Domain Computers", "read")], None),      # a group; the account is no computer
    (NULL, [("NT AUTHORITY\\ANONYMOUS LOGON", "read")], True),
    (NULL, [("Everyone", "read")], False),                              # EveryoneIncludesAnonymous not known
    (NULL, [("Authenticated Users", "read")], False),
    # other accounts and groups
    (DOMAIN_ANON, [("CONTOSO\\someone-else$", "full")], False),         # another computer: not a group
    (DOMAIN_ANON, [("CONTOSO\\Web Servers", "read")], None),            # members not known
    (NULL, [("CONTOSO\\Web Servers", "read")], False),                  # a null session is in no such group
    # known: nobody; not known
    (DOMAIN_ANON, [], False),
])
def test_authorized(make_policy, identity, granted, authorized):
    v = verdict_of(make_policy, identity, grants(*granted))
    assert v.authorized is authorized, v.reasons
    assert v.satisfied is (authorized is True)
    if authorized is None and granted:
        assert any("whose members are not known" in r for r in v.reasons), v.reasons


def test_grants_omitted_means_unknown_and_not_satisfied(make_policy):
    v = verdict_of(make_policy, DOMAIN_ANON)
    assert (v.reachable, v.identity_ok, v.authorized, v.satisfied) == (True, True, None, False)
    assert any("no grants known on fs01" in r for r in v.reasons)


def test_everyone_covers_a_null_session_where_everyone_includes_anonymous(make_policy):
    v = verdict_of(make_policy, NULL, grants(("Everyone", "read"), everyone_includes_anonymous=True))
    assert v.authorized is True and v.satisfied


@pytest.mark.parametrize("granted, needed, authorized", [
    ("read", "read", True), ("read", "change", False), ("read", "full", False),
    ("change", "read", True), ("change", "change", True), ("change", "full", False),
    ("full", "read", True), ("full", "change", True), ("full", "full", True),
])
def test_access_levels(make_policy, granted, needed, authorized):
    v = verdict_of(make_policy, DOMAIN_ANON, grants(("CONTOSO\\svc-reports", granted), access=needed))
    assert v.authorized is authorized
    if not authorized:
        assert any(f"{needed} is needed" in r for r in v.reasons), v.reasons


def test_a_mirrored_account_is_granted_as_the_file_servers_own_account(make_policy):
    v = verdict_of(make_policy, MIRRORED, grants(("FS01\\webanon", "read")))
    assert (v.identity, v.reachable, v.identity_ok, v.authorized) == ("WEB01\\webanon", True, True, True)
    assert verdict_of(make_policy, MIRRORED, grants(("webanon", "read"))).authorized is True   # bare: fs01's


@pytest.mark.parametrize("named, identity_ok", [
    ("CONTOSO\\svc-reports", True), ("contoso\\SVC-Reports", True), ("CONTOSO\\svc-other", False),
])
def test_the_named_account_must_arrive(make_policy, named, identity_ok):
    v = verdict_of(make_policy, DOMAIN_ANON, {"access": {"account": named}}, grants(("Everyone", "full")))
    assert v.identity_ok is identity_ok and v.satisfied is identity_ok
    if not identity_ok:
        assert any("CONTOSO\\svc-reports arrives, but access.account asks for CONTOSO\\svc-other" in r
                   for r in v.reasons), v.reasons


def test_a_bare_named_account_is_the_iis_hosts_local_account(make_policy):
    v = verdict_of(make_policy, MIRRORED, {"access": {"account": "WEBANON"}}, grants(("Everyone", "full")))
    assert (v.identity, v.identity_ok) == ("WEB01\\webanon", True)


def test_the_named_gmsa_must_arrive_not_the_computer_account(make_policy):
    v = verdict_of(make_policy, COMPUTER, {"access": {"account": "CONTOSO\\gmsa-rep$"}}, grants(("Everyone", "full")))
    assert (v.identity, v.identity_ok, v.satisfied) == ("CONTOSO\\WEB01$", False, False)


def test_on_a_domain_controller_a_bare_name_is_the_domains(make_policy):
    dc = {"iis": {"version": "5.0", "domain_controller": True, "password_sync": False},
          "access": {"account": "IUSR_WEB01"}}
    v = verdict_of(make_policy, dc, grants(("Everyone", "read")))
    assert (v.identity, v.identity_ok, v.satisfied) == ("CONTOSO\\IUSR_WEB01", True, True)


def test_anonymous_accepts_a_null_session_even_when_not_reachable(make_policy):
    v = verdict_of(make_policy, NULL, {"resource": {"null_session_shares": []}})
    assert (v.reachable, v.identity_ok, v.satisfied) == (False, True, False)


def test_service_account_refuses_a_null_session(make_policy):
    v = verdict_of(make_policy, NULL, {"access": {"as": "service-account"}}, grants(("ANONYMOUS LOGON", "full")))
    assert (v.reachable, v.identity_ok, v.satisfied) == (True, False, False)


def test_end_user_rights_are_each_users_own(make_policy):
    end_user = {"iis": {"version": "6.0", "authentication": "basic"},
                "access": {"as": "end-user", "account": None, "password": None}}
    v = verdict_of(make_policy, end_user, grants(("CONTOSO\\svc-reports", "full")))
    assert (v.reachable, v.identity_ok, v.authorized, v.satisfied) == (True, True, None, True)
    assert verdict_of(make_policy, end_user, grants(("Authenticated Users", "read"))).authorized is True


def test_none_is_satisfied_only_while_not_reachable_whatever_the_grants(make_policy):
    none = {"iis": {"authentication": "basic", "logon_method": "interactive"},
            "access": {"as": "none", "account": None, "password": None}}
    v = verdict_of(make_policy, none, grants(("Everyone", "full")))
    assert (v.reachable, v.satisfied, v.authorized) == (True, False, None)
