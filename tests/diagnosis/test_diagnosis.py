"""The diagnosis (policy.md B): token, identity on the wire, reachable, satisfied, reasons.

Every expectation here is derived from the article (KB 207671, "How to access network
files from IIS applications"), policy.md sections A, B and E, and windows-facts.md
sections 0.1, A.4, B.1 and J -- not from the code's output. The passage each table
follows is named above it.

The base policy (tests/conftest.py): IIS 7.5 on host web01 in domain CONTOSO, anonymous
requests, resource \\\\fs01\\reports (a unc-share), access.as service-account with
access.account CONTOSO\\svc-reports.
"""

from __future__ import annotations

import pytest

from remediate.diagnosis import diagnose

ANON = "NT AUTHORITY\\ANONYMOUS LOGON"
USER = "<requesting user>"
COMPUTER = "CONTOSO\\WEB01$"
KB = "KB 207671"

# A server in no domain: no domain accounts anywhere in the policy (policy.md E refuses
# them with workgroup: true), so the domain and the domain access.account are removed.
WORKGROUP = {"iis": {"workgroup": True, "domain": None}, "access": {"account": None, "password": None}}
# B.5: without access.account any fixed recognised account will do (tests about which account
# arrives drop the base policy's CONTOSO\svc-reports).
ANY_ACCOUNT = {"access": {"account": None, "password": None}}


def iis(**fields) -> dict:
    return {"iis": fields}


def merge(*parts: dict) -> dict:
    """Deep-merge several override dicts (later wins), as conftest's merged() does."""
    out: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value)
            else:
                out[key] = value
    return out


# Rights known to cover every identity (B.6), so the token and identity tables below test the
# token model alone; section 7 tests authorization with grants of its own.
ALL_GRANTED = {"resource": {"grants": [{"account": "Everyone", "access": "full"},
                                       {"account": "NT AUTHORITY\\ANONYMOUS LOGON", "access": "full"}]}}


@pytest.fixture
def verdict(make_policy):
    """diagnose() of BASE_POLICY with every right granted and the given overrides (the real loader)."""
    def run(overrides: dict):
        return diagnose(make_policy(**merge(ALL_GRANTED, overrides)))
    return run


def assert_reasons(v) -> None:
    assert isinstance(v.reasons, list) and v.reasons, v
    assert all(isinstance(r, str) and r.strip() for r in v.reasons), v.reasons


# ---------------------------------------------------------------- 1. the article's IIS 4.0 table
# KB 207671 "Authentication and impersonation types" / windows-facts 0.1; clear-text logons
# are interactive by default ("Token types": "By default, Clear Text logons receive an
# Interactive token"). Identities: policy.md B.2 (network tokens -> null session;
# interactive tokens -> their account) and the identity strings of B.

IIS4_TABLE = [
    pytest.param(iis(version="4.0", authentication="anonymous", password_sync=True),
                 "network", ANON, id="anonymous-sync-on"),
    pytest.param(iis(version="4.0", authentication="anonymous"),
                 "network", ANON, id="anonymous-sync-default-is-on"),
    pytest.param(iis(version="4.0", authentication="anonymous", password_sync=False),
                 "interactive", "WEB01\\IUSR_WEB01", id="anonymous-sync-off-clear-text"),
    pytest.param(iis(version="4.0", authentication="basic"),
                 "interactive", USER, id="basic-clear-text"),
    pytest.param(iis(version="4.0", authentication="ntlm"),
                 "network", ANON, id="ntlm"),
    pytest.param(iis(version="4.0", authentication="client-certificate"),
                 "interactive", None, id="client-certificate"),
]


@pytest.mark.parametrize("overrides, token, identity", IIS4_TABLE)
def test_iis4_token_table(verdict, overrides, token, identity):
    v = verdict(overrides)
    assert v.token == token
    if identity is not None:
        assert v.identity == identity


@pytest.mark.parametrize("overrides, token, identity", IIS4_TABLE)
def test_iis4_token_reason_cites_the_article(verdict, overrides, token, identity):
    v = verdict(overrides)
    assert_reasons(v)
    # The reasons follow the model's steps, so the first one explains the token.
    assert KB in v.reasons[0], v.reasons


# KB 207671 "Token types": "You can control whether a Clear Text logon creates a Network
# token, an Interactive token, or a Batch token by setting the LogonMethod property"; the
# closing note: LogonMethod 2 (network) leaves only NullSessionShares/Pipes reachable.
@pytest.mark.parametrize("auth, sync, logon_method, token, identity", [
    ("anonymous", False, "batch", "batch", "WEB01\\IUSR_WEB01"),
    ("anonymous", False, "network", "network", ANON),
    ("anonymous", False, "interactive", "interactive", "WEB01\\IUSR_WEB01"),
    ("basic", None, "batch", "batch", USER),
    ("basic", None, "network", "network", ANON),
    ("basic", None, "interactive", "interactive", USER),
])
def test_iis4_logon_method_picks_the_clear_text_token(verdict, auth, sync, logon_method, token, identity):
    fields = {"version": "4.0", "authentication": auth, "logon_method": logon_method}
    if sync is not None:
        fields["password_sync"] = sync
    v = verdict(iis(**fields))
    assert (v.token, v.identity) == (token, identity)
    assert KB in v.reasons[0], v.reasons


@pytest.mark.parametrize("logon_method", ["batch", "network", "interactive"])
def test_iis4_logon_method_does_not_touch_sync_on_anonymous(verdict, logon_method):
    """Sync on: the sub-authenticator makes the token, not a clear-text logon (windows-facts 0.1)."""
    v = verdict(iis(version="4.0", authentication="anonymous", password_sync=True, logon_method=logon_method))
    assert (v.token, v.identity) == ("network", ANON)


@pytest.mark.parametrize("auth", ["ntlm", "client-certificate"])
@pytest.mark.parametrize("logon_method", ["batch", "network"])
def test_iis4_logon_method_does_not_touch_non_clear_text_rows(verdict, auth, logon_method):
    expected = {"ntlm": "network", "client-certificate": "interactive"}[auth]
    v = verdict(iis(version="4.0", authentication=auth, logon_method=logon_method))
    assert v.token == expected


# ---------------------------------------------------------------- 2. IIS 5.0 / 5.1
# policy.md B.1 ("ntlm, negotiate (without delegation) and digest -> network"),
# windows-facts J (Digest: treat as network), A.4 (5.0/5.1: same model, sync default TRUE,
# default Medium/Pooled -> IWAM); policy.md defaults: password_sync true, isolation pooled (5.x).

@pytest.mark.parametrize("version", ["5.0", "5.1"])
@pytest.mark.parametrize("auth", ["digest", "negotiate", "ntlm"])
def test_iis5_digest_negotiate_ntlm_are_network_tokens(verdict, version, auth):
    v = verdict(iis(version=version, authentication=auth))
    assert (v.token, v.identity) == ("network", ANON)
    assert v.reachable is False
    assert_reasons(v)


@pytest.mark.parametrize("version", ["5.0", "5.1"])
def test_iis5_anonymous_default_sync_on_gives_network_token(verdict, version):
    v = verdict(iis(version=version, authentication="anonymous"))
    assert (v.token, v.identity) == ("network", ANON)


@pytest.mark.parametrize("version", ["5.0", "5.1"])
def test_iis5_anonymous_sync_off_is_clear_text_interactive_by_default(verdict, version):
    v = verdict(iis(version=version, authentication="anonymous", password_sync=False))
    assert (v.token, v.identity) == ("interactive", "WEB01\\IUSR_WEB01")


@pytest.mark.parametrize("version", ["5.0", "5.1"])
def test_iis5_basic_is_clear_text_interactive_by_default(verdict, version):
    v = verdict(iis(version=version, authentication="basic"))
    assert (v.token, v.identity) == ("interactive", USER)
    assert v.reachable is True


@pytest.mark.parametrize("version", ["5.0", "5.1"])
def test_iis5_default_isolation_is_pooled_so_process_code_runs_as_iwam(verdict, version):
    v = verdict(iis(version=version, runs_as="process"))
    assert (v.token, v.identity) == ("process", "WEB01\\IWAM_WEB01")
    assert v.reachable is False


def test_iis5_client_certificate_is_interactive(verdict):
    assert verdict(iis(version="5.0", authentication="client-certificate")).token == "interactive"


# ---------------------------------------------------------------- 2. IIS 6.0
# policy.md defaults: logon_method network-cleartext (6.0+), anonymous_account IUSR_<host>
# (4.0-6.0), app_pool_identity NetworkService (6.0); windows-facts A.4 (6.0: anonymous goes
# through LogonUser with LogonMethod, default 3 = network cleartext); B.1 processModel
# (NetworkService -> DOMAIN\HOST$); policy.md B.2 (network-cleartext authenticates as its account).

def test_iis6_basic_default_logon_method_is_network_cleartext(verdict):
    v = verdict(iis(version="6.0", authentication="basic"))
    assert (v.token, v.identity) == ("network-cleartext", USER)
    assert v.reachable is True


def test_iis6_anonymous_is_a_clear_text_logon_of_the_local_iusr(verdict):
    v = verdict(iis(version="6.0", authentication="anonymous"))
    assert (v.token, v.identity) == ("network-cleartext", "WEB01\\IUSR_WEB01")
    assert v.reachable is False


def test_iis6_anonymous_domain_account_reaches_the_share(verdict):
    v = verdict(merge(ANY_ACCOUNT, iis(version="6.0", authentication="anonymous", anonymous_account="CONTOSO\\svc-anon")))
    assert (v.token, v.identity) == ("network-cleartext", "CONTOSO\\svc-anon")
    assert (v.reachable, v.satisfied) == (True, True)


def test_iis6_process_runs_as_network_service_the_computer_account(verdict):
    v = verdict(merge(ANY_ACCOUNT, iis(version="6.0", runs_as="process")))
    assert (v.token, v.identity) == ("process", COMPUTER)
    assert (v.reachable, v.satisfied) == (True, True)


@pytest.mark.parametrize("pool_identity, identity", [
    ("NetworkService", COMPUTER),
    ("LocalSystem", COMPUTER),
    ("LocalService", ANON),
    ("CONTOSO\\svc-pool", "CONTOSO\\svc-pool"),
])
def test_iis6_process_identity_per_pool_identity(verdict, pool_identity, identity):
    v = verdict(iis(version="6.0", runs_as="process", app_pool_identity=pool_identity))
    assert (v.token, v.identity) == ("process", identity)


# ---------------------------------------------------------------- 2. IIS 7.0+
# policy.md B.1 ("7.0+ IUSR -> null-session; 7.0+ anonymous_account "" -> the pool identity
# (process)"); B.2 (IUSR and LocalService arrive as a null session; NetworkService and
# ApplicationPoolIdentity as the computer account); windows-facts B.1 [IIS-BUILTIN], [CFG-ANON],
# [CFG-PM]; defaults: NetworkService on 7.0, ApplicationPoolIdentity on 7.5+.

@pytest.mark.parametrize("version", ["7.0", "7.5", "8.0", "8.5", "10.0"])
def test_iis7_default_iusr_is_a_null_session(verdict, version):
    v = verdict(iis(version=version))
    assert (v.token, v.identity) == ("null-session", ANON)
    assert v.reachable is False


@pytest.mark.parametrize("account", ["IUSR", "iusr", "NT AUTHORITY\\IUSR"])
def test_iis7_explicit_iusr_is_a_null_session(verdict, account):
    v = verdict(iis(version="7.5", anonymous_account=account))
    assert (v.token, v.identity) == ("null-session", ANON)


@pytest.mark.parametrize("version, pool_identity, identity", [
    ("7.0", None, COMPUTER),                          # default NetworkService
    ("7.5", None, COMPUTER),                          # default ApplicationPoolIdentity
    ("10.0", None, COMPUTER),
    ("7.5", "ApplicationPoolIdentity", COMPUTER),
    ("7.5", "NetworkService", COMPUTER),
    ("7.5", "LocalSystem", COMPUTER),
    ("7.5", "LocalService", ANON),
    ("7.5", "CONTOSO\\svc-pool", "CONTOSO\\svc-pool"),
])
def test_iis7_empty_anonymous_account_runs_as_the_pool_identity(verdict, version, pool_identity, identity):
    fields = {"version": version, "anonymous_account": ""}
    if pool_identity is not None:
        fields["app_pool_identity"] = pool_identity
    v = verdict(iis(**fields))
    assert (v.token, v.identity) == ("process", identity)
    assert v.reachable is (identity != ANON)


@pytest.mark.parametrize("version, pool_identity, identity", [
    ("7.0", None, COMPUTER),
    ("7.5", None, COMPUTER),
    ("7.5", "LocalService", ANON),
    ("7.5", "CONTOSO\\svc-pool", "CONTOSO\\svc-pool"),
    ("8.0", "CONTOSO\\gmsa-web$", "CONTOSO\\gmsa-web$"),
])
def test_iis7_process_code_runs_as_the_pool_identity(verdict, version, pool_identity, identity):
    fields = {"version": version, "runs_as": "process"}
    if pool_identity is not None:
        fields["app_pool_identity"] = pool_identity
    v = verdict(iis(**fields))
    assert (v.token, v.identity) == ("process", identity)


@pytest.mark.parametrize("logon_method", ["interactive", "batch", "network-cleartext"])
def test_iis7_iusr_stays_a_null_session_whatever_the_logon_method(verdict, logon_method):
    """IUSR has no password (windows-facts B.1): no clear-text logon LogonMethod could shape."""
    v = verdict(iis(logon_method=logon_method))
    assert (v.token, v.identity) == ("null-session", ANON)


def test_iis7_anonymous_domain_account_is_a_clear_text_logon(verdict):
    v = verdict(merge(ANY_ACCOUNT, iis(anonymous_account="CONTOSO\\svc-anon")))
    assert (v.token, v.identity) == ("network-cleartext", "CONTOSO\\svc-anon")
    assert (v.reachable, v.satisfied) == (True, True)


def test_iis7_basic_logon_method_interactive(verdict):
    v = verdict(iis(authentication="basic", logon_method="interactive"))
    assert (v.token, v.identity) == ("interactive", USER)


def test_computer_account_domain_taken_from_domain_account_names(verdict):
    """policy.md: iis.domain, "if omitted, taken from domain account names"."""
    v = verdict(merge(iis(domain=None, runs_as="process"), {"access": {"account": "FABRIKAM\\svc"}}))
    assert v.identity == "FABRIKAM\\WEB01$"


# ---------------------------------------------------------------- 2. IIS 4.0-5.1 runs_as process
# policy.md B.1: IWAM_<host> (out-of-process/pooled), LocalSystem (in-process); defaults:
# isolation in-process (4.0), pooled (5.x). B.2 and windows-facts J: LocalSystem is a null
# session on NT 4.0, the computer account on 2000+. IWAM_<host> is local (B.3), so not
# recognised on the file server.

@pytest.mark.parametrize("version, isolation, identity", [
    ("4.0", None, ANON),                               # default in-process: LocalSystem on NT 4.0
    ("4.0", "in-process", ANON),
    ("5.0", "in-process", COMPUTER),                   # LocalSystem on Windows 2000
    ("5.1", "in-process", COMPUTER),
    ("4.0", "out-of-process", "WEB01\\IWAM_WEB01"),
    ("5.0", "out-of-process", "WEB01\\IWAM_WEB01"),
    ("5.0", "pooled", "WEB01\\IWAM_WEB01"),
    ("5.0", None, "WEB01\\IWAM_WEB01"),                # default pooled
])
def test_iis4_5_process_identity(verdict, version, isolation, identity):
    fields = {"version": version, "runs_as": "process"}
    if isolation is not None:
        fields["isolation"] = isolation
    v = verdict(iis(**fields))
    assert (v.token, v.identity) == ("process", identity)
    assert v.reachable is (identity == COMPUTER)
    assert_reasons(v)


# ---------------------------------------------------------------- 3. workgroup, local accounts, DC
# policy.md B.2: NetworkService, ApplicationPoolIdentity and LocalSystem (2000+) arrive as the
# computer account, "or as a null session when workgroup: true". B.3: a local account is
# recognised only on a DC or when it is in resource.local_accounts.

@pytest.mark.parametrize("fields", [
    pytest.param({"version": "7.5", "runs_as": "process"}, id="7.5-ApplicationPoolIdentity"),
    pytest.param({"version": "7.5", "anonymous_account": ""}, id="7.5-empty-anonymous"),
    pytest.param({"version": "7.0", "runs_as": "process"}, id="7.0-NetworkService"),
    pytest.param({"version": "6.0", "runs_as": "process"}, id="6.0-NetworkService"),
    pytest.param({"version": "7.5", "runs_as": "process", "app_pool_identity": "NetworkService"},
                 id="7.5-NetworkService"),
    pytest.param({"version": "7.5", "runs_as": "process", "app_pool_identity": "LocalSystem"},
                 id="7.5-LocalSystem"),
    pytest.param({"version": "5.0", "runs_as": "process", "isolation": "in-process"},
                 id="5.0-in-process-LocalSystem"),
])
def test_workgroup_machine_identities_arrive_as_null_session(verdict, fields):
    v = verdict(merge(WORKGROUP, iis(**fields)))
    assert (v.token, v.identity) == ("process", ANON)
    assert v.reachable is False


def test_mirrored_local_anonymous_account_is_recognised(verdict):
    v = verdict(merge(ANY_ACCOUNT, {"iis": {"version": "5.0", "password_sync": False},
                 "resource": {"local_accounts": ["IUSR_WEB01"]}}))
    assert (v.token, v.identity) == ("interactive", "WEB01\\IUSR_WEB01")
    assert (v.reachable, v.satisfied) == (True, True)


def test_mirrored_local_account_match_ignores_case(verdict):
    v = verdict({"iis": {"version": "5.0", "password_sync": False},
                 "resource": {"local_accounts": ["iusr_web01"]}})
    assert v.reachable is True


def test_unmirrored_local_anonymous_account_is_not_recognised(verdict):
    v = verdict(iis(version="5.0", password_sync=False))
    assert (v.token, v.identity) == ("interactive", "WEB01\\IUSR_WEB01")
    assert (v.reachable, v.satisfied) == (False, False)


def test_other_mirrored_account_does_not_help(verdict):
    v = verdict({"iis": {"version": "5.0", "password_sync": False},
                 "resource": {"local_accounts": ["svc-other"]}})
    assert v.reachable is False


def test_mirrored_local_account_on_workgroup_server(verdict):
    v = verdict(merge(WORKGROUP, {"iis": {"version": "7.5", "anonymous_account": "svc-local"},
                                  "resource": {"local_accounts": ["svc-local"]}}))
    assert (v.token, v.identity) == ("network-cleartext", "WEB01\\svc-local")
    assert (v.reachable, v.satisfied) == (True, True)


def test_mirrored_local_pool_identity_on_workgroup_server(verdict):
    v = verdict(merge(WORKGROUP, {"iis": {"version": "7.5", "runs_as": "process",
                                          "app_pool_identity": "WEB01\\svc-pool"},
                                  "resource": {"local_accounts": ["svc-pool"]}}))
    assert (v.token, v.identity) == ("process", "WEB01\\svc-pool")
    assert v.reachable is True


# The article: "If you install IIS on a Domain Controller, the IUSR_<machinename> account is a
# domain account and must be recognized by other computers"; sync works on the PDC (policy.md
# B.1: "or any account when domain_controller: true").

def test_domain_controller_iusr_is_a_recognised_domain_account(verdict):
    v = verdict(merge(ANY_ACCOUNT, iis(version="5.0", domain_controller=True, password_sync=False)))
    assert v.token == "interactive"
    assert v.identity == "CONTOSO\\IUSR_WEB01"
    assert (v.reachable, v.satisfied) == (True, True)


@pytest.mark.parametrize("account, sync", [
    (None, True),
    ("CONTOSO\\svc-anon", True),
    ("CONTOSO\\svc-anon", None),     # default on; allowed for a domain account on the DC
])
def test_iis4_domain_controller_with_sync_on_is_network(verdict, account, sync):
    fields = {"version": "4.0", "domain_controller": True}
    if sync is not None:
        fields["password_sync"] = sync
    if account:
        fields["anonymous_account"] = account
    v = verdict(iis(**fields))
    assert (v.token, v.identity) == ("network", ANON)
    assert v.reachable is False
    assert KB in v.reasons[0]


def test_iis6_domain_controller_iusr_is_recognised(verdict):
    v = verdict(iis(version="6.0", domain_controller=True))
    assert (v.token, v.identity) == ("network-cleartext", "CONTOSO\\IUSR_WEB01")
    assert v.reachable is True


def test_domain_controller_iwam_is_recognised(verdict):
    """B.3: a local account is recognised when IIS runs on a domain controller (IWAM_<host> too)."""
    v = verdict(iis(version="5.0", domain_controller=True, runs_as="process", isolation="out-of-process"))
    assert (v.token, v.identity) == ("process", "CONTOSO\\IWAM_WEB01")
    assert v.reachable is True


def test_domain_controller_local_account_recognised_even_if_domain_name_unknown(verdict):
    """B.3 makes no exception for a policy that does not name the domain."""
    v = verdict({"iis": {"version": "5.0", "domain_controller": True, "password_sync": False, "domain": None},
                 "access": {"account": None, "password": None}})
    assert v.token == "interactive"
    assert v.reachable is True


def test_iis4_domain_anonymous_account_off_dc_gets_clear_text_logon(verdict):
    """The article: with a domain anonymous account "you cannot use Automatic Password
    Synchronization and you receive a Clear Text logon" (sync omitted, not a DC)."""
    v = verdict(iis(version="4.0", anonymous_account="CONTOSO\\svc-anon"))
    assert (v.token, v.identity) == ("interactive", "CONTOSO\\svc-anon")
    assert v.reachable is True


# ---------------------------------------------------------------- 4. null sessions
# policy.md B.4: a null session is reachable if the share/pipe is in the server's
# NullSessionShares/Pipes (an omitted list counts as not containing it). windows-facts C.1:
# pipes are listed without \pipe\; G: SQL Server refuses ANONYMOUS LOGON for Windows logins,
# so the pipe exemption only helps SQL-authentication logins.

ANON_AS = {"access": {"as": "anonymous"}}


@pytest.mark.parametrize("listed, reachable", [
    pytest.param(["reports"], True, id="listed"),
    pytest.param(["REPORTS"], True, id="listed-other-case"),
    pytest.param(["COMCFG", "Reports"], True, id="listed-among-others"),
    pytest.param(["COMCFG"], False, id="not-listed"),
    pytest.param([], False, id="empty-list"),
    pytest.param(None, False, id="list-omitted"),
])
def test_null_session_share(verdict, listed, reachable):
    resource = {} if listed is None else {"null_session_shares": listed}
    v = verdict(merge(ANON_AS, {"resource": resource}))
    assert v.identity == ANON
    assert v.reachable is reachable
    assert v.satisfied is reachable
    assert_reasons(v)


def test_null_session_share_of_a_subdirectory_uses_the_share_name(verdict):
    v = verdict(merge(ANON_AS, {"resource": {"path": "\\\\fs01\\reports\\2024\\q1",
                                             "null_session_shares": ["reports"]}}))
    assert v.reachable is True


def test_null_session_pipes_do_not_open_a_share(verdict):
    v = verdict(merge(ANON_AS, {"resource": {"null_session_pipes": ["reports"]}}))
    assert v.reachable is False


PIPE = {"kind": "named-pipe", "path": "\\\\fs01\\pipe\\reportsvc"}


@pytest.mark.parametrize("listed, reachable", [
    pytest.param(["reportsvc"], True, id="listed"),
    pytest.param(["REPORTSVC"], True, id="listed-other-case"),
    pytest.param(["spoolss"], False, id="not-listed"),
    pytest.param(None, False, id="list-omitted"),
])
def test_null_session_pipe(verdict, listed, reachable):
    resource = dict(PIPE) if listed is None else {**PIPE, "null_session_pipes": listed}
    v = verdict(merge(ANON_AS, {"resource": resource}))
    assert v.identity == ANON
    assert v.reachable is reachable


def test_null_session_shares_do_not_open_a_pipe(verdict):
    v = verdict(merge(ANON_AS, {"resource": {**PIPE, "null_session_shares": ["reportsvc"]}}))
    assert v.reachable is False


@pytest.mark.parametrize("path", ["\\\\sql01", "\\\\sql01\\pipe\\sql\\query"])
@pytest.mark.parametrize("pipes", [["sql\\query"], ["SQL\\QUERY"], None])
def test_sql_windows_login_never_reachable_through_null_session(verdict, path, pipes):
    resource = {"kind": "sql-server", "path": path, "sql_login": "windows"}
    if pipes is not None:
        resource["null_session_pipes"] = pipes
    v = verdict(merge(ANON_AS, {"resource": resource}))
    assert v.identity == ANON
    assert (v.reachable, v.satisfied) == (False, False)
    assert_reasons(v)


@pytest.mark.parametrize("path, pipes, reachable", [
    pytest.param("\\\\sql01", ["sql\\query"], True, id="default-pipe-listed"),
    pytest.param("\\\\sql01", ["SQL\\QUERY"], True, id="default-pipe-listed-upper"),
    pytest.param("\\\\sql01\\pipe\\sql\\query", ["sql\\query"], True, id="explicit-pipe-listed"),
    pytest.param("\\\\sql01", ["spoolss"], False, id="not-listed"),
    pytest.param("\\\\sql01", None, False, id="list-omitted"),
])
def test_sql_login_sql_through_null_session_pipe(verdict, path, pipes, reachable):
    resource = {"kind": "sql-server", "path": path, "sql_login": "sql"}
    if pipes is not None:
        resource["null_session_pipes"] = pipes
    v = verdict(merge(ANON_AS, {"resource": resource}))
    assert v.identity == ANON
    assert (v.reachable, v.satisfied) == (reachable, reachable)


def test_sql_windows_login_reachable_as_the_computer_account(verdict):
    v = verdict(merge(ANY_ACCOUNT, {"iis": {"runs_as": "process"},
                 "resource": {"kind": "sql-server", "path": "\\\\sql01", "sql_login": "windows"}}))
    assert (v.identity, v.reachable, v.satisfied) == (COMPUTER, True, True)


def test_null_session_list_irrelevant_for_recognised_identity(verdict):
    """Reachable is a plain fact: a recognised account reaches the share without any list."""
    v = verdict(merge(iis(runs_as="process"), {"resource": {"null_session_shares": []}}))
    assert v.reachable is True


# ---------------------------------------------------------------- 5. satisfied per access.as
# policy.md B.5: end-user needs the requesting user's own identity; service-account any fixed
# recognised account (incl. the computer account); anonymous also accepts a null session;
# except for none, satisfied implies reachable; none is satisfied only if not reachable.

LISTED = {"resource": {"null_session_shares": ["reports"]}}


def as_(who: str) -> dict:
    """access.as with no named account (B.5's named-account rule has tests of its own)."""
    return {"access": {"as": who, "account": None, "password": None}}


SATISFIED = [
    # end-user
    pytest.param(merge(as_("end-user"), iis(version="6.0", authentication="basic", logon_method="interactive")),
                 True, True, id="end-user-basic-interactive-6.0"),
    pytest.param(merge(as_("end-user"), iis(version="6.0", authentication="basic")),
                 True, True, id="end-user-basic-network-cleartext-6.0"),
    pytest.param(merge(as_("end-user"), iis(version="6.0", authentication="basic", logon_method="network")),
                 False, False, id="end-user-basic-network-6.0"),
    pytest.param(merge(as_("end-user"), iis(authentication="negotiate")),
                 False, False, id="end-user-negotiate"),
    pytest.param(merge(as_("end-user"), iis(authentication="ntlm"), LISTED),
                 True, False, id="end-user-ntlm-null-session-listed"),
    pytest.param(merge(as_("end-user"), iis(authentication="ntlm", runs_as="process")),
                 True, False, id="end-user-process-computer-account"),
    # service-account
    pytest.param(merge(as_("service-account"), iis(anonymous_account="CONTOSO\\svc-anon")),
                 True, True, id="service-account-domain-account"),
    pytest.param(merge(as_("service-account"), iis(runs_as="process")),
                 True, True, id="service-account-computer-account"),
    pytest.param(merge(as_("service-account"), iis(runs_as="process", app_pool_identity="CONTOSO\\svc-pool")),
                 True, True, id="service-account-domain-pool-identity"),
    pytest.param(merge(as_("service-account"), LISTED),
                 True, False, id="service-account-null-session-listed"),
    pytest.param(merge(as_("service-account")),
                 False, False, id="service-account-null-session-unlisted"),
    pytest.param(merge(as_("service-account"), iis(authentication="basic", logon_method="interactive")),
                 True, False, id="service-account-requesting-user-is-not-fixed"),
    # anonymous
    pytest.param(merge(as_("anonymous"), LISTED),
                 True, True, id="anonymous-null-session-listed"),
    pytest.param(merge(as_("anonymous")),
                 False, False, id="anonymous-null-session-unlisted"),
    pytest.param(merge(as_("anonymous"), iis(anonymous_account="CONTOSO\\svc-anon")),
                 True, True, id="anonymous-domain-account"),
    pytest.param(merge(as_("anonymous"), iis(runs_as="process")),
                 True, True, id="anonymous-computer-account"),
    # none
    pytest.param(merge(as_("none"), iis(authentication="ntlm")),
                 False, True, id="none-ntlm-no-null-session-lists"),
    pytest.param(merge(as_("none"), iis(version="4.0", authentication="ntlm")),
                 False, True, id="none-ntlm-4.0"),
    pytest.param(merge(as_("none"), iis(authentication="basic", logon_method="interactive")),
                 True, False, id="none-basic-interactive"),
    pytest.param(merge(as_("none"), iis(version="4.0", authentication="basic")),
                 True, False, id="none-basic-4.0-default-interactive"),
    pytest.param(merge(as_("none"), iis(authentication="ntlm"), LISTED),
                 True, False, id="none-ntlm-null-session-listed"),
    pytest.param(merge(as_("none"), iis(authentication="basic", logon_method="network")),
                 False, True, id="none-basic-network-logon"),
]


@pytest.mark.parametrize("overrides, reachable, satisfied", SATISFIED)
def test_satisfied_per_access_as(verdict, overrides, reachable, satisfied):
    v = verdict(overrides)
    assert (v.reachable, v.satisfied) == (reachable, satisfied)
    assert_reasons(v)


@pytest.mark.parametrize("overrides, reachable, satisfied", SATISFIED)
def test_satisfied_implies_reachable_except_for_none(make_policy, overrides, reachable, satisfied):
    policy = make_policy(**overrides)
    v = diagnose(policy)
    if policy.access.as_ == "none":
        assert v.satisfied is (not v.reachable)
    elif v.satisfied:
        assert v.reachable


# ---------------------------------------------------------------- 6. reasons and output shape

TOKENS = {"network", "interactive", "batch", "network-cleartext", "null-session", "process"}


@pytest.mark.parametrize("overrides", [
    pytest.param({}, id="base"),
    pytest.param(iis(version="5.0", authentication="digest"), id="5.0-digest"),
    pytest.param(iis(version="6.0", runs_as="process"), id="6.0-process"),
    pytest.param(iis(anonymous_account=""), id="7.5-empty-anonymous"),
    pytest.param(merge(WORKGROUP, iis(runs_as="process")), id="workgroup"),
    pytest.param(merge(ANON_AS, LISTED), id="null-session-listed"),
    pytest.param(merge(ANON_AS, {"resource": {"kind": "sql-server", "path": "\\\\sql01", "sql_login": "windows"}}),
                 id="sql-windows"),
    pytest.param(merge(as_("none"), iis(authentication="ntlm")), id="none"),
])
def test_every_verdict_has_reasons_and_a_known_token(verdict, overrides):
    v = verdict(overrides)
    assert_reasons(v)
    assert v.token in TOKENS
    assert isinstance(v.identity, str) and v.identity
    assert isinstance(v.reachable, bool) and isinstance(v.satisfied, bool)


def test_verdict_as_json_has_the_contract_keys(verdict):
    """policy.md D: verdict {"reachable", "identity_ok", "authorized", "satisfied", "token", "identity",
    "reasons"}; authorized is true, false or "unknown"."""
    v = verdict({})
    assert v.as_json() == {"reachable": v.reachable, "identity_ok": v.identity_ok, "authorized": v.authorized,
                           "satisfied": v.satisfied, "token": v.token, "identity": v.identity,
                           "reasons": list(v.reasons)}
    assert verdict({"resource": {"grants": None}}).as_json()["authorized"] == "unknown"
