"""The planner's choice and reasons for the article's scenarios (the bundled examples), each
strategy's rejection for every need of policy.md C, and the order with `prefer`."""

from __future__ import annotations

import pytest
import yaml

from remediate.diagnosis import diagnose
from remediate.planner import make_plan
from remediate.policy import ORDERS, STRATEGY_IDS, load_policies
from remediate.strategies import BY_ID, CATALOGUE, Context

from conftest import EXAMPLES, merged

POLICIES = EXAMPLES / "policies"

# example file -> (chosen strategy, a phrase its reasons must contain)
CHOSEN = {
    "reports-share": ("domain-anonymous-account", "recognised by every computer of the domain"),
    "pdc-anonymous-sync": ("disable-password-sync", "without synchronization IIS logs IUSR_WEB04 on"),
    "basic-logon-network": ("logon-method", "LogonMethod interactive gives the clear-text logon"),
    "content-share": ("vdir-connect-as", "whatever its authentication"),
    "iusr-gmsa-pool": ("app-pool-identity", "runs as CONTOSO\\gmsa-gallery$"),
    "sql-apppool-localservice": ("app-pool-identity", "reaches sql01 as CONTOSO\\WEB13$"),
    "sql-kerberos-delegation": ("kerberos-delegation", "resource-based delegation, set on CONTOSO\\SQL01$"),
    "ntlm-basic-ssl": ("basic-auth", "IIS holds the user's password"),
    "complus-component": ("complus-identity", "the component Billing.InvoiceWriter runs as CONTOSO\\svc-billing"),
    "workgroup-mirrored": ("mirrored-local-account", "fs02 matches the logon to its own webanon"),
    "legacy-null-session-share": ("null-session-share", "a null session may open what NullSessionShares lists"),
    "sql-pipe-sql-login": ("null-session-pipe", "a null session may open what NullSessionPipes lists"),
    "ntlm-thread-impersonation": ("thread-impersonation", "not a network token"),
    "keep-local-preferred": ("keep-local", "a local resource"),
    "audit-first": ("audit-logons", "Logon Type"),
    "deny-network-basic": ("logon-method", "LogonMethod network makes the clear-text logon a network token"),
    "orders-pool-identity": ("grant-access", "its rights on fs01 are unknown, so they are granted"),
    "orders-sql-login": ("grant-access", "its rights on sql01 are unknown, so they are granted"),
    "orders-gmsa": ("app-pool-identity", "the pool OrdersPool runs as CONTOSO\\gmsa-orders$"),
}


def example(name: str, **overrides):
    data = yaml.safe_load((POLICIES / f"{name}.yaml").read_text())
    return merged(data, overrides)


@pytest.fixture
def policy_from(write_policy):
    def load(name: str, **overrides):
        path = write_policy(text=yaml.safe_dump(example(name, **overrides), sort_keys=False))
        return load_policies([path])[0]
    return load


def assess(policy, strategy_id: str):
    return BY_ID[strategy_id].assess(Context(policy, diagnose(policy)))


@pytest.mark.parametrize("name", sorted(CHOSEN))
def test_example_chooses_its_strategy_for_the_articles_reason(name, policy_from):
    expected, phrase = CHOSEN[name]
    plan = make_plan(policy_from(name))
    assert not plan.verdict.satisfied
    assert plan.strategy is not None and plan.strategy.id == expected
    assert any(phrase in reason for reason in plan.assessment.reasons), plan.assessment.reasons
    assert plan.steps, "a chosen strategy has steps"


def test_every_strategy_is_chosen_by_some_example():
    chosen = {strategy for strategy, _ in CHOSEN.values()}
    assert chosen == set(STRATEGY_IDS)


def test_catalogue_order_and_ids_follow_the_contract():
    assert tuple(s.id for s in CATALOGUE) == STRATEGY_IDS
    assert all(sid in STRATEGY_IDS for order in ORDERS.values() for sid in order)


def test_satisfied_policy_gets_no_strategy(policy_from):
    plan = make_plan(policy_from("aspnet-pool-satisfied"))
    assert plan.verdict.satisfied and plan.strategy is None
    assert plan.verdict.identity == "CONTOSO\\WEB10$"
    assert all(alt.assessment.reasons[0] == "not needed: the policy is already satisfied"
               for alt in plan.alternatives if alt.assessment.feasible)


# ------------------------------------------------------------------ rejection for each need
# (strategy, example where it is chosen, the constraint turned off)
NEEDS = [
    ("disable-password-sync", "pdc-anonymous-sync", "stored_credentials"),
    ("app-pool-identity", "sql-apppool-localservice", None),   # needs nothing with a built-in identity
    ("vdir-connect-as", "content-share", "stored_credentials"),
    ("vdir-connect-as", "content-share", "domain_accounts"),
    ("complus-identity", "complus-component", "stored_credentials"),
    ("complus-identity", "complus-component", "domain_accounts"),
    ("domain-anonymous-account", "reports-share", "domain_accounts"),
    ("domain-anonymous-account", "reports-share", "stored_credentials"),
    ("mirrored-local-account", "workgroup-mirrored", "file_server_changes"),
    ("mirrored-local-account", "workgroup-mirrored", "stored_credentials"),
    ("basic-auth", "ntlm-basic-ssl", "authentication_change"),
    ("kerberos-delegation", "sql-kerberos-delegation", "domain_changes"),
    ("thread-impersonation", "ntlm-thread-impersonation", "code_changes"),
    ("thread-impersonation", "ntlm-thread-impersonation", "stored_credentials"),
    ("thread-impersonation", "ntlm-thread-impersonation", "domain_accounts"),
    ("null-session-share", "legacy-null-session-share", "null_sessions"),
    ("null-session-share", "legacy-null-session-share", "file_server_changes"),
    ("null-session-pipe", "sql-pipe-sql-login", "null_sessions"),
    ("null-session-pipe", "sql-pipe-sql-login", "file_server_changes"),
]


@pytest.mark.parametrize("strategy_id, name, need", [n for n in NEEDS if n[2]])
def test_strategy_is_rejected_when_a_need_is_forbidden(strategy_id, name, need, policy_from):
    assert assess(policy_from(name), strategy_id).feasible
    assessment = assess(policy_from(name, constraints={need: "forbidden"}), strategy_id)
    assert not assessment.feasible
    assert any(f"constraints.{need} is forbidden" in r for r in assessment.reasons), assessment.reasons


def test_app_pool_identity_uses_a_stored_password_only_for_a_named_account(policy_from):
    policy = policy_from("sql-apppool-localservice", access={"account": "CONTOSO\\svc-orders",
                                                             "password": {"env": "X"}},
                         constraints={"stored_credentials": "forbidden"})
    rejected = assess(policy, "app-pool-identity")
    assert not rejected.feasible
    assert any("constraints.stored_credentials is forbidden" in r for r in rejected.reasons)


def test_app_pool_identity_runs_as_the_computer_account_when_no_account_is_named(policy_from):
    policy = policy_from("iusr-gmsa-pool", constraints={"domain_accounts": "forbidden"},
                         access={"account": None, "password": None})
    assessment = assess(policy, "app-pool-identity")
    assert assessment.feasible
    identity_step = next(op for op in assessment.steps if op.kind == "set_app_pool_identity")
    assert identity_step.identity_type == "ApplicationPoolIdentity" and identity_step.account is None
    grants = [op for op in assessment.steps if op.kind == "grant_share_access"]
    assert [g.account for g in grants] == ["CONTOSO\\WEB11$"]


def test_app_pool_identity_with_a_named_gmsa_needs_domain_accounts(policy_from):
    """B.5: the named account must arrive, so the computer account is no fallback for it."""
    policy = policy_from("iusr-gmsa-pool", constraints={"domain_accounts": "forbidden"})
    assessment = assess(policy, "app-pool-identity")
    assert not assessment.feasible
    assert any("constraints.domain_accounts is forbidden" in r for r in assessment.reasons)


def test_app_pool_identity_on_a_workgroup_needs_a_mirrored_account(policy_from):
    policy = policy_from("sql-apppool-localservice", iis={"workgroup": True, "domain": None})
    assessment = assess(policy, "app-pool-identity")
    assert not assessment.feasible
    assert any("needs a mirrored local account" in r for r in assessment.reasons)


def test_gmsa_needs_no_stored_password(policy_from):
    policy = policy_from("iusr-gmsa-pool", constraints={"stored_credentials": "forbidden"})
    assessment = assess(policy, "app-pool-identity")
    assert assessment.feasible
    step = next(op for op in assessment.steps if op.kind == "set_app_pool_identity")
    assert step.password is None and step.account == "CONTOSO\\gmsa-gallery$"


@pytest.mark.parametrize("strategy_id, name", [
    ("vdir-connect-as", "content-share"), ("complus-identity", "complus-component"),
    ("domain-anonymous-account", "reports-share"), ("mirrored-local-account", "workgroup-mirrored"),
    ("thread-impersonation", "ntlm-thread-impersonation"),
])
def test_strategies_that_need_an_account_say_so_without_one(strategy_id, name, policy_from):
    policy = policy_from(name, access={"account": None, "password": None})
    assessment = assess(policy, strategy_id)
    assert not assessment.feasible
    assert "needs an account: set access.account (and access.password)" in assessment.reasons


def test_mirrored_account_lifts_the_domain_account_need(policy_from):
    policy = policy_from("content-share", access={"account": "webcontent"},
                         resource={"local_accounts": ["webcontent"]},
                         constraints={"domain_accounts": "forbidden"})
    assessment = assess(policy, "vdir-connect-as")
    assert assessment.feasible
    assert any("WEB06\\webcontent" in r for r in assessment.reasons)


def test_basic_auth_needs_no_authentication_change_when_already_basic(policy_from):
    policy = policy_from("basic-logon-network")
    assessment = assess(policy, "basic-auth")
    assert assessment.feasible
    assert [op.kind for op in assessment.steps] == ["require_ssl", "set_metabase_property", "advisory"]


def test_basic_auth_warns_when_no_ssl_binding_exists(policy_from):
    assessment = assess(policy_from("ntlm-basic-ssl", iis={"ssl": False}), "basic-auth")
    assert assessment.feasible
    assert any("no SSL binding yet" in w for w in assessment.warnings)
    assert any(op.kind == "require_ssl" for op in assessment.steps)


def test_grants_become_advice_when_the_file_server_may_not_change(policy_from):
    plan = make_plan(policy_from("reports-share", constraints={"file_server_changes": "forbidden"}))
    assert plan.strategy.id == "domain-anonymous-account"
    grants = [op for op in plan.steps if op.role == "file_server"]
    assert [op.kind for op in grants] == ["advisory"]
    assert "make sure CONTOSO\\svc-reports may read \\\\fs01\\reports" in grants[0].text
    assert plan.hosts["file_server"] == []


def test_null_session_share_refused_when_requests_do_not_arrive_as_null_sessions(policy_from):
    policy = policy_from("legacy-null-session-share", iis={"password_sync": False})
    assessment = assess(policy, "null-session-share")
    assert not assessment.feasible
    assert any("not as a null session" in r for r in assessment.reasons)


def test_null_session_pipe_does_not_help_windows_logins_to_sql(policy_from):
    policy = policy_from("sql-pipe-sql-login", resource={"sql_login": "windows"})
    assessment = assess(policy, "null-session-pipe")
    assert not assessment.feasible
    assert any("does not help Windows logins to SQL Server" in r for r in assessment.reasons)


def test_null_session_strategies_carry_the_careful_admins_warnings(policy_from):
    assessment = assess(policy_from("legacy-null-session-share"), "null-session-share")
    text = " ".join(assessment.warnings)
    assert "CIS/STIG baseline" in text
    assert "Windows Server 2025" in text and "not verified" in text
    restart = [op for op in assessment.steps if op.kind == "restart_service"]
    assert [(op.service, op.disruptive) for op in restart] == [("LanmanServer", True)]
    append = assessment.steps[0]
    assert (append.name, append.item, append.known) == ("NullSessionShares", "public", ("COMCFG", "DFS$"))


def test_kerberos_delegation_uses_classic_kcd_before_2012_and_protocol_transition_for_ntlm(policy_from):
    policy = policy_from("sql-kerberos-delegation", iis={"authentication": "ntlm"}, resource={"os": "2008r2"})
    assessment = assess(policy, "kerberos-delegation")
    assert assessment.feasible
    delegation = next(op for op in assessment.steps if op.kind == "configure_delegation")
    assert (delegation.mode, delegation.front_end, delegation.protocol_transition) == (
        "kcd", "CONTOSO\\WEB12$", True)
    assert delegation.services == ("MSSQLSvc/sql01:1433",)
    assert any("domain administrator" in w for w in assessment.warnings)


def test_shared_pool_warning_names_the_dedicated_pool(policy_from):
    plan = make_plan(policy_from("sql-apppool-localservice"))
    assert any("own pool sql-apppool-localservice (it is in SharedPool now)" in w for w in plan.warnings)
    assert [op.kind for op in plan.steps][-1] == "recycle_app_pool"


def test_complus_password_cannot_be_read_back(policy_from):
    plan = make_plan(policy_from("complus-component"))
    assert any("cannot be read back" in w for w in plan.warnings)


def test_interactive_logon_on_a_domain_controller_becomes_batch(policy_from):
    plan = make_plan(policy_from("pdc-anonymous-sync"))
    logon = [op for op in plan.steps if getattr(op, "name", "") == "LogonMethod"]
    assert [op.new for op in logon] == [1]
    assert any("Log on locally" in w for w in plan.warnings)


# ------------------------------------------------------------------ order and prefer
def test_prefer_puts_a_feasible_strategy_first(policy_from):
    plan = make_plan(policy_from("content-share", prefer=["domain-anonymous-account"]))
    assert plan.strategy.id == "domain-anonymous-account"
    vdir = next(a for a in plan.alternatives if a.strategy.id == "vdir-connect-as")
    assert vdir.assessment.feasible
    assert vdir.assessment.reasons[0] == "feasible, but domain-anonymous-account comes first in the order"


def test_prefer_skips_infeasible_ids_in_its_own_order(policy_from):
    plan = make_plan(policy_from("reports-share", prefer=["basic-auth", "audit-logons", "keep-local"]))
    assert plan.strategy.id == "audit-logons"


def test_advisory_ids_are_chosen_only_when_preferred(policy_from):
    plan = make_plan(policy_from("keep-local-preferred", prefer=[]))
    assert plan.strategy.id == "app-pool-identity"
    keep = next(a for a in plan.alternatives if a.strategy.id == "keep-local")
    assert keep.assessment.feasible
    assert "chosen only when listed in prefer" in keep.assessment.reasons[0]


def test_default_order_for_service_accounts(policy_from):
    # IIS 5.0 anonymous with a domain account given: disable-password-sync cannot make the local
    # IUSR_WEB01 recognised, so the first feasible strategy of the order is domain-anonymous-account.
    plan = make_plan(policy_from("reports-share"))
    order = [a.strategy.id for a in plan.alternatives]
    assert order == [sid for sid in STRATEGY_IDS if sid != "domain-anonymous-account"]


def test_advisory_strategy_does_not_stop_exit_3(policy_from):
    policy = policy_from("reports-share", prefer=["keep-local"], constraints={
        "domain_accounts": "forbidden", "file_server_changes": "forbidden"})
    plan = make_plan(policy)
    assert plan.strategy.id == "keep-local"
    assert plan.infeasible


def test_nothing_feasible_leaves_the_strategy_empty(policy_from):
    plan = make_plan(policy_from("reports-share", constraints={
        "domain_accounts": "forbidden", "file_server_changes": "forbidden"}))
    assert plan.strategy is None and plan.infeasible
    assert [a.strategy.id for a in plan.alternatives] == list(STRATEGY_IDS)


# ------------------------------------------------------------------ access.as: none
def test_none_sets_logon_method_network_and_warns_about_null_session_entries(policy_from):
    plan = make_plan(policy_from("deny-network-basic", resource={"null_session_pipes": ["spoolss"]}))
    assert plan.strategy.id == "logon-method"
    assert [op.new for op in plan.steps] == [2]
    assert any("spoolss is in fs01's NullSessionPipes" in w for w in plan.warnings)


def test_none_with_the_share_listed_cannot_be_satisfied(policy_from):
    plan = make_plan(policy_from("deny-network-basic", resource={"null_session_shares": ["kiosk"]}))
    assert plan.strategy is None and plan.infeasible
    logon = next(a for a in plan.alternatives if a.strategy.id == "logon-method")
    assert any("kiosk is in fs01's NullSessionShares" in r for r in logon.assessment.reasons)


def test_none_is_satisfied_when_nothing_reaches(policy_from):
    plan = make_plan(policy_from("deny-network-basic", iis={"authentication": "ntlm"}))
    assert plan.verdict.satisfied and not plan.verdict.reachable and plan.strategy is None


# Every example policy's verdict (reachable, identity_ok, authorized, satisfied, identity), worked
# out from the model (B.1-B.6) for each example's comments, not copied from output.
ANON_LOGON = "NT AUTHORITY\\ANONYMOUS LOGON"
VERDICTS = {
    "aspnet-pool-satisfied": (True, True, True, True, "CONTOSO\\WEB10$"),       # Domain Computers may read
    "audit-first": (False, False, None, False, "WEB06\\IUSR_WEB06"),             # local IUSR, unknown to fs02
    "basic-logon-network": (False, False, None, False, ANON_LOGON),              # LogonMethod network
    "complus-component": (False, False, None, False, ANON_LOGON),
    "content-share": (False, False, None, False, "WEB06\\IUSR_WEB06"),
    "deny-network-basic": (True, True, None, False, "<requesting user>"),       # none, but Basic reaches it
    "iusr-gmsa-pool": (False, False, None, False, ANON_LOGON),                   # IUSR is a null session
    "keep-local-preferred": (False, False, None, False, ANON_LOGON),
    "legacy-null-session-share": (False, True, None, False, ANON_LOGON),         # anonymous accepts it; not listed
    "ntlm-basic-ssl": (False, False, None, False, ANON_LOGON),                   # NTLM: network token
    "ntlm-thread-impersonation": (False, False, None, False, ANON_LOGON),
    "orders-gmsa": (True, False, None, False, "CONTOSO\\WEB12$"),                # not the gMSA it names
    "orders-pool-identity": (True, True, None, False, "CONTOSO\\WEB12$"),        # rights unknown
    "orders-sql-login": (True, True, None, False, "CONTOSO\\WEB12$"),
    "pdc-anonymous-sync": (False, False, None, False, ANON_LOGON),               # sync on: network token
    "reports-share": (False, False, None, False, ANON_LOGON),
    "sql-apppool-localservice": (False, False, None, False, ANON_LOGON),         # LocalService: null session
    "sql-kerberos-delegation": (False, False, None, False, ANON_LOGON),
    "sql-pipe-sql-login": (False, True, None, False, ANON_LOGON),                # pipe not listed yet
    "workgroup-mirrored": (False, False, None, False, "WEB07\\IUSR_WEB07"),
}


def test_every_example_has_its_verdict_asserted():
    assert set(VERDICTS) == {p.stem for p in POLICIES.glob("*.yaml")}


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_example_verdict(name, policy_from):
    v = make_plan(policy_from(name)).verdict
    assert (v.reachable, v.identity_ok, v.authorized, v.satisfied, v.identity) == VERDICTS[name], v.reasons
