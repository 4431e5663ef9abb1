"""The task framework of the generated PowerShell scripts (templates/lib/powershell/tasks.ps1, apply.ps1.j2,
rollback.ps1.j2), executed against the simulated Windows in sequences the standard phases do not run: an unmet
precondition or a missing password (preflight), -UpdatePassword and -Restart on a second run, two bundles that
change the same setting, and what check mode shows of a task that sets a password (issue 17, defects 5, 9, 16, 19).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from remediate.render.bundle import bundle_files

from conftest import EXAMPLES
from support.examplebundles import plan_of
from support.simwin.runner import Step, flat, initial, pwsh, run_bundle, run_steps
from support.simwin.state import initial_state

GOLDEN = Path(__file__).parent.parent / "golden"
pytestmark = [pytest.mark.pwsh, pytest.mark.skipif(pwsh() is None, reason="pwsh is not on PATH (.ci/run installs it)")]


def _script(bundle: str, host: str, kind: str = "apply") -> Path:
    return GOLDEN / bundle / "hosts" / host / f"{kind}.ps1"


def _tasks(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in record["result"]["tasks"]}


def _without_effects(state: dict[str, Any]) -> dict[str, Any]:
    """The state without what no rollback undoes (an IIS backup taken, a write-only password written, the protected
    before-values folder)."""
    state = copy.deepcopy(state)
    state["iis"].pop("backups", None)
    state.pop("programData", None)
    for holder in [*state.get("complus", {}).values(), *state.get("accounts", {}).values()]:
        holder.pop("passwordSets", None)
    return state


# ---------------------------------------------------------------- defect 5: preflight before the first change

def _no_https(state: dict[str, Any]) -> None:
    state["iis"]["paths"]["Default Web Site"]["bindings"]["Collection"] = [
        {"protocol": "http", "bindingInformation": "*:80:"}]


def _no_gmsa(state: dict[str, Any]) -> None:
    state["gmsaInstalled"] = []


def _wrong_password(state: dict[str, Any]) -> None:
    state["accounts"]["CONTOSO\\svc-webcontent"]["password"] = "another-password"


UNMET = {  # (bundle, host, the task whose precondition fails, how the host differs, what the failure says)
    "no-https-binding": ("basic-auth-modern", "web11", "ntlm-basic-ssl.1", _no_https, "has no https binding"),
    "gmsa-not-installed": ("app-pool-identity-modern", "web11", "iusr-gmsa-pool.2", _no_gmsa,
                           "cannot use the group managed service account CONTOSO\\gmsa-gallery$"),
    "wrong-connect-as-password": ("vdir-connect-as-modern", "web11", "content-share.1", _wrong_password,
                                  "the password given for CONTOSO\\svc-webcontent is not its password"),
}


@pytest.mark.parametrize("case", sorted(UNMET))
def test_unmet_precondition_check_reports_it_and_apply_changes_nothing(case: str) -> None:
    bundle, host, task, change, says = UNMET[case]
    state = initial_state(host)
    change(state)
    check, apply = run_steps(host, state, [Step(_script(bundle, host), check=True), Step(_script(bundle, host))])
    start = initial(host)
    change(start)
    assert check["exit"] == 1 and flat(check["state"]) == flat(start)
    reported = _tasks(check)[task]
    assert reported["failed"] and says in reported["message"] and reported["message"].startswith("apply would refuse")
    assert apply["exit"] == 1 and apply["writes"] == 0 and flat(apply["state"]) == flat(start), apply["output"][-3:]
    failed = [t for t in apply["result"]["tasks"] if t["failed"]]
    assert [t["id"] for t in failed] == [task, "preflight"]
    assert says in failed[0]["message"] and "nothing was changed" in failed[1]["message"]


def test_missing_password_apply_changes_nothing_and_check_says_apply_needs_it() -> None:
    script = _script("vdir-connect-as-modern", "web11")
    check, apply = run_steps("web11", initial_state("web11"), [Step(script, check=True, without_secrets=True),
                                                                Step(script, without_secrets=True)])
    assert check["exit"] == 0 and flat(check["state"]) == flat(initial("web11"))
    assert "was not given: apply asks for it" in _tasks(check)["preflight"]["message"]
    assert apply["exit"] == 1 and apply["writes"] == 0 and flat(apply["state"]) == flat(initial("web11"))
    assert [t["id"] for t in apply["result"]["tasks"]] == ["preflight"]
    assert "-content_share_password) is missing" in apply["result"]["tasks"][0]["message"]


# ---------------------------------------------------------------- defect 19: write-only passwords

def test_complus_password_is_written_only_with_the_identity_or_when_asked() -> None:
    script = _script("complus-identity-modern", "web11")
    apply, again, restart, update = run_steps("web11", initial_state("web11"), [
        Step(script), Step(script), Step(script, switches=("Restart",)), Step(script, switches=("UpdatePassword",))])
    billing = "/complus/Billing"
    assert apply["state"]["complus"]["Billing"]["passwordSets"] == 1, billing
    for quiet in (again, restart):      # nothing changed: no password written, no application shut down
        assert quiet["exit"] == 0 and quiet["writes"] == 0
        assert "shutdowns" not in quiet["state"]["complus"]["Billing"]
        task = _tasks(quiet)["complus-component.1"]
        assert not task["changed"] and task["message"] == "password not rewritten (run with -UpdatePassword to set it)"
    assert update["exit"] == 0 and update["writes"] == 1
    assert update["state"]["complus"]["Billing"]["passwordSets"] == 2
    assert update["state"]["complus"]["Billing"]["Identity"] == "CONTOSO\\svc-billing"
    assert "shutdowns" not in update["state"]["complus"]["Billing"]
    assert _tasks(update)["complus-component.1"]["changed"]


def test_local_account_password_is_written_only_when_created_or_asked() -> None:
    script = _script("mirrored-local-account-modern", "web11")
    apply, again, update = run_steps("web11", initial_state("web11"), [
        Step(script), Step(script), Step(script, switches=("UpdatePassword",))])
    assert apply["exit"] == 0 and "passwordSets" not in apply["state"]["accounts"]["WEB11\\webanon"]
    assert again["writes"] == 0
    assert _tasks(again)["workgroup-mirrored.1"]["message"] == \
        "password not rewritten (run with -UpdatePassword to set it)"
    assert update["writes"] == 1 and update["state"]["accounts"]["WEB11\\webanon"]["passwordSets"] == 1
    assert _tasks(update)["workgroup-mirrored.1"]["message"] == "password set (-UpdatePassword)"


# ---------------------------------------------------------------- defect 16: check mode masks only the secret

def test_check_shows_what_a_password_task_changes_besides_the_password() -> None:
    vdir = _tasks(run_bundle(GOLDEN / "vdir-connect-as-modern")["web11"]["check"])["content-share.1"]
    assert vdir["before"]["physicalPath"] == "D:\\intranet\\docs" and vdir["after"]["physicalPath"] == "\\\\fs01\\docs"
    assert vdir["before"]["userName"] == "" and vdir["after"]["userName"] == "CONTOSO\\svc-webcontent"
    assert (vdir["before"]["password"], vdir["after"]["password"]) == ("(another)", "(as wanted)")
    complus = _tasks(run_bundle(GOLDEN / "complus-identity-modern")["web11"]["check"])["complus-component.1"]
    assert (complus["before"], complus["after"], complus["changed"]) == ("Interactive User", "CONTOSO\\svc-billing",
                                                                        True)
    for record in (vdir, complus):
        assert "simwin-Secret-1" not in repr(record)


# ---------------------------------------------------------------- defect 9: before-values keyed by the setting

def _anonymous_account_policy(name: str, account: str, variable: str) -> dict[str, Any]:
    """reports-share on IIS 10.0 (the domain-anonymous-account golden), named and with an account of its own."""
    policy = yaml.safe_load((EXAMPLES / "policies" / "reports-share.yaml").read_text(encoding="utf-8"))
    policy["name"] = name
    policy["iis"].update({"host": "web11", "version": "10.0", "site": "Default Web Site"})
    policy["access"].update({"account": account, "password": {"env": variable}})
    policy["prefer"] = ["domain-anonymous-account"]
    return policy


def _web11_scripts(policy: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    for relative, content in bundle_files([plan_of(policy)], "remediate render").items():
        if relative.startswith("hosts/web11/"):
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(content)
    return folder / "hosts/web11/apply.ps1", folder / "hosts/web11/rollback.ps1"


def test_two_bundles_changing_one_setting_roll_back_to_the_original(tmp_path: Path) -> None:
    """Two policies set the anonymous user of Default Web Site/reports one after the other; rolled back in the
    order they were applied, the setting is inherited again (the first value saved for the setting is kept)."""
    first = _web11_scripts(_anonymous_account_policy("reports-share", "CONTOSO\\svc-reports", "A_PASSWORD"),
                           tmp_path / "first")
    second = _web11_scripts(_anonymous_account_policy("reports-share-2", "CONTOSO\\svc-webcontent", "B_PASSWORD"),
                            tmp_path / "second")
    records = run_steps("web11", initial_state("web11"), [Step(first[0]), Step(second[0]), Step(first[1]),
                                                          Step(second[1])])
    assert [r["exit"] for r in records] == [0, 0, 0, 0], [r["result"] for r in records]
    anonymous = records[1]["state"]["iis"]["config"]["Default Web Site/reports"][
        "system.webServer/security/authentication/anonymousAuthentication"]
    assert anonymous["userName"] == "CONTOSO\\svc-webcontent"
    assert flat(_without_effects(records[-1]["state"])) == flat(_without_effects(initial("web11")))


# ---------------------------------------------------------------- defect 5: a pool password checked before IIS stores it

def test_a_wrong_pool_password_is_refused_before_anything_changes(tmp_path: Path) -> None:
    """app-pool-identity with a domain account and its password: the password is checked against the account
    (Test-RemediateCredential) in the preflight, so a wrong one stops apply before the pool exists."""
    policy = yaml.safe_load((EXAMPLES / "policies" / "iusr-gmsa-pool.yaml").read_text(encoding="utf-8"))
    policy["access"].update({"account": "CONTOSO\\svc-reports", "password": {"env": "SVC_REPORTS_PASSWORD"}})
    policy["prefer"] = ["app-pool-identity"]
    apply, _ = _web11_scripts(policy, tmp_path)
    wrong = initial_state("web11")
    wrong["accounts"]["CONTOSO\\svc-reports"]["password"] = "another-password"
    refused, = run_steps("web11", wrong, [Step(apply)])
    assert refused["exit"] == 1 and refused["writes"] == 0, refused["output"][-3:]
    failed = [t for t in refused["result"]["tasks"] if t["failed"]]
    assert [t["id"] for t in failed] == ["iusr-gmsa-pool.2", "preflight"]
    assert "the password given for CONTOSO\\svc-reports is not its password" in failed[0]["message"]
    done, = run_steps("web11", initial_state("web11"), [Step(apply)])
    assert done["exit"] == 0, done["result"]
    assert done["state"]["iis"]["appPools"]["iusr-gmsa-pool"]["processModel"]["userName"] == "CONTOSO\\svc-reports"
