"""The rules artifacts.md sets for every script, as the VBScript for IIS 4.0-6.0 and servers before
2008 R2 spells them (issue 17, defects 10-15): where the before-values live and how they are keyed and
written, inherited metabase values cleared on rollback, undos that keep their saved value until the
restore succeeded, the anonymous user committed with its password after a metabase backup, accounts
that last, and the IIS 6.0 ADSI call EnumAppsInPool as its documentation gives it.

These read the rendered text (no Windows here); each asserts the exact statement a rule needs."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import yaml

from remediate.inventory import load_inventory
from remediate.planner import make_plan
from remediate.policy import load_policies
from remediate.render.bundle import bundle_files
from remediate.render.libraries import library_text

from conftest import GOLDEN
from support.examplebundles import BUNDLES, INVENTORY, POLICIES, bundle


def vbs(name: str) -> dict[str, str]:
    """The .vbs files of a bundle, decoded, with LF line ends."""
    return {path: data[2:].decode("utf-16-le").replace("\r\n", "\n")
            for path, data in bundle(name).items() if path.endswith(".vbs")}


def golden(name: str) -> dict[str, str]:
    """The .vbs files of a golden bundle (tests/golden/<name>), by their path in it."""
    return {str(path.relative_to(GOLDEN / name)): path.read_bytes()[2:].decode("utf-16-le").replace("\r\n", "\n")
            for path in sorted((GOLDEN / name).rglob("*.vbs"))}


def procedure(text: str, name: str) -> str:
    """The body of one Sub or Function of a script."""
    found = re.search(rf"(?ms)^(?:Sub|Function) {name}\b.*?^End (?:Sub|Function)$", text)
    assert found, f"no procedure {name}"
    return found.group(0)


def procedures(text: str, prefix: str) -> dict[int, str]:
    """Task<n> or Undo<n> bodies by number."""
    return {int(m.group(1)): m.group(0)
            for m in re.finditer(rf"(?ms)^Sub {prefix}(\d+)\(\)$.*?^End Sub$", text)}


def rendered(policy_file: str, **iis: object) -> dict[str, str]:
    """A bundle of one example policy with some iis settings changed."""
    policy = yaml.safe_load((POLICIES / policy_file).read_text(encoding="utf-8"))
    policy["iis"].update(iis)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / policy_file
        path.write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
        plans = [make_plan(p, load_inventory(INVENTORY)) for p in load_policies([path])]
    return {path: data[2:].decode("utf-16-le").replace("\r\n", "\n")
            for path, data in bundle_files(plans, "x").items() if path.endswith(".vbs")}


ALL = vbs("all")
APPLY = {path: text for path, text in ALL.items() if path.endswith("apply.vbs")}
ROLLBACK = {path: text for path, text in ALL.items() if path.endswith("rollback.vbs")}


# ---------------------------------------------------------------- 10: a state path every Windows has

@pytest.mark.parametrize("name", BUNDLES)
def test_the_state_file_is_under_systemroot_never_allusersprofile(name):
    for path, text in vbs(name).items():
        assert "ALLUSERSPROFILE%\")" not in text, f"{path}: NT 4.0 has no %ALLUSERSPROFILE%"
        body = procedure(text, "StateFile")
        assert 'root = Shell.ExpandEnvironmentStrings("%SystemRoot%")' in body, path
        assert 'StateFile = root & "\\remediate\\before-values.txt"' in body, path
        # an unexpanded variable would leave a relative path: refused instead
        assert 'If root = "" Or InStr(root, "%") > 0 Then Err.Raise' in body, path


# ---------------------------------------------------------------- the state: keyed, written whole

def test_each_task_saves_and_restores_under_the_key_of_what_it_changes():
    """Task n and Undo n name the same setting; never the policy and step number."""
    checked = 0
    for path, text in APPLY.items():
        rollback = ROLLBACK[path.replace("apply.vbs", "rollback.vbs")]
        undos = procedures(rollback, "Undo")
        for number, body in procedures(text, "Task").items():
            keys = re.findall(r"^\s*Keyed (.+)$", body, re.M)
            saves = re.search(r"NeedsChange|SaveOnce|SecretDiffers", body)
            assert bool(keys) == bool(saves), f"{path} Task{number}: saves without a key, or a key it never uses"
            if not keys:
                continue
            assert re.match(r'"(metabase|registry|apppool|complus|ntfs|account|audit):', keys[0]), keys[0]
            assert re.findall(r"^\s*Keyed (.+)$", undos[number], re.M) == keys, f"{path}: Undo{number} looks elsewhere"
            checked += 1
    assert checked >= 20
    for text in ALL.values():
        assert 'Current("id")' not in text.replace('Current.Add "id"', "")


def test_the_state_is_written_to_a_new_file_then_put_in_place_and_a_cut_file_is_refused():
    state = library_text("vbscript", "state")
    write = procedure(state, "WriteState")
    assert 'Fso.OpenTextFile(path & ".new", 2, True, -1)' in write
    assert write.index('stream.WriteLine "end"') < write.index("stream.Close") < write.index(
        'Fso.MoveFile path & ".new", path')
    lines = procedure(state, "StateLines")
    assert 'If line = "end" Then StateLines = lines.Items Else StateLines = Null' in lines
    read = procedure(state, "ReadState")
    assert "If IsNull(lines) Then Err.Raise" in read
    assert "state.CompareMode = 1" in read          # keys compare as Windows names do: without case
    save = procedure(state, "SaveOnce")
    assert "SaveOnce = Not state.Exists(Current(\"key\"))" in save   # the true first value is kept


# ---------------------------------------------------------------- 11: inherited metabase values are cleared

def test_metabase_rollback_clears_what_was_inherited_and_restores_what_was_set():
    metabase = library_text("vbscript", "metabase")
    set_here = procedure(metabase, "MetabaseSetHere")
    assert "paths = node.GetDataPaths(name, 0)" in set_here
    assert "If number = &H800CC801 Then Exit Function" in set_here
    restore = procedure(metabase, "RestoreMetabase")
    inherited, written = restore.split("Else", 1)
    assert "If MetabaseWasInherited(record) Then" in inherited and 'node.PutEx 1, name, ""' in inherited
    assert "node.Put name, before" in written and "PutEx" not in written
    text = APPLY["hosts/web01/apply.vbs"]
    for name in ("AnonymousUserName", "AnonymousPasswordSync"):
        assert f'MetabaseRecord(node, "{name}", before)' in text
    undo = ROLLBACK["hosts/web01/rollback.vbs"]
    assert undo.count("RestoreMetabase node, ") >= 3


def test_an_inherited_anonymous_password_is_cleared_on_rollback_not_left_behind():
    """IUSR_WEB07 inherited with its password: rollback clears both at the path (no 401.1)."""
    text = golden("domain-anonymous-account-legacy")["hosts/web01/rollback.vbs"]
    undo = next(body for body in procedures(text, "Undo").values() if '"AnonymousUserPass"' in body)
    assert re.search(r'If MetabaseWasInherited\(record\) Then\n\s+'
                     r'RestoreMetabase node, "AnonymousUserPass", record\n\s+Restored', undo)
    assert "never read" not in undo


# ---------------------------------------------------------------- 12: EnumAppsInPool as ADSI has it

def test_enum_apps_in_pool_is_called_the_adsi_way():
    """Microsoft Learn, "IIsApplicationPool.EnumAppsInPool (ADSI)": the list is the [retval]."""
    text = golden("app-pool-identity-legacy")["hosts/web06/rollback.vbs"]
    assert "apps = pool.EnumAppsInPool()" in procedure(text, "AppsInPool")
    assert "apps = AppsInPool(pool)" in procedure(text, "DeleteAppPool")
    for path, script in ALL.items():
        assert not re.search(r"EnumAppsInPool [a-z]", script), f"{path}: the WMI form on an ADSI object"


# ---------------------------------------------------------------- 13: the saved value outlives a failed undo

def test_rollback_keeps_a_saved_value_until_its_restore_succeeded_and_runs_every_undo():
    for path, text in ROLLBACK.items():
        saved = procedure(text, "SavedRecord")
        assert "Remove" not in saved and "WriteState" not in saved, path
        for number, body in procedures(text, "Undo").items():
            if "If SavedBefore(" not in body and "If SavedRecord(" not in body:
                continue
            assert "Restored" in body, f"{path}: Undo{number} never drops its saved value"
            last_change = max(body.rfind(s) for s in (".SetInfo", "SaveChanges", "RegistryWrite", "RegistryDelete",
                                                     "RestoreMetabase", "DeleteAppPool", "RevokeNtfs",
                                                     "SetAuditLogon", "DeleteMetabaseChild"))
            assert body.index("Restored", last_change) > last_change, f"{path}: Undo{number} drops it first"
        top = text[text.index("ContinueAfterFailure = True\nRunTask"):]
        assert top.index("ContinueAfterFailure = True") < top.index('RunTask "Undo'), path
    run = procedure(library_text("vbscript", "results"), "RunTask")
    assert "If Failed And Not ContinueAfterFailure Then Exit Sub" in run


def test_a_registry_undo_of_a_value_that_is_already_gone_is_no_failure():
    registry = procedure(library_text("vbscript", "registry"), "RegistryDelete")
    assert "If rc <> 0 And rc <> 2 Then Err.Raise" in registry     # 2: not found = already as it was


# ---------------------------------------------------------------- 14: one SetInfo, after a backup; secrets first

def test_the_anonymous_user_its_password_and_sync_are_committed_by_one_setinfo():
    text = golden("domain-anonymous-account-legacy")["hosts/web01/apply.vbs"]
    tasks = procedures(text, "Task")
    names = {n: re.search(r'StartTask "[^"]+", "[^"]+", "[^"]*: (\w+) =', body).group(1) for n, body in tasks.items()}
    assert list(names.values()) == ["AnonymousUserName", "AnonymousUserPass", "AnonymousPasswordSync"]
    for number, body in tasks.items():
        assert ".SetInfo" not in body, f"Task{number} commits on its own"
        assert "PendingMetabaseNode(" in body and "MetabasePut node, " in body
    assert [("CommitMetabase(node)" in body) for body in tasks.values()] == [False, False, True]
    commit = procedure(text, "CommitMetabase")
    assert commit.count("node.SetInfo") == 1


def test_the_metabase_is_backed_up_before_the_first_change():
    metabase = library_text("vbscript", "metabase")
    put = procedure(metabase, "MetabasePut")
    assert put.index("BackUpMetabaseOnce") < put.index("node.Put name, value")
    backup = procedure(metabase, "BackUpMetabaseOnce")
    assert 'GetObject("IIS://localhost").Backup "remediate", &HFFFFFFFF, 2' in backup
    assert "If number <> 0 Then Err.Raise" in backup       # no backup: no change
    assert "SetInfo" not in procedure(metabase, "SecretDiffers")


def test_every_secret_is_asked_for_in_preflight_before_the_first_change():
    for name in ("domain-anonymous-account-legacy", "vdir-connect-as-legacy", "mirrored-local-account-legacy"):
        for path, text in golden(name).items():
            if not path.endswith("apply.vbs") or "AskSecret(" not in text:
                continue
            preflight = procedure(text, "Preflight")
            assert re.search(r'Else AskSecret "[^"]+"', preflight), path
            runs = re.findall(r'^RunTask "(\w+)"$', text, re.M)
            assert runs[0] == "Preflight", path
    ask = procedure(library_text("vbscript", "secrets"), "AskSecret")
    assert 'If answer = "" Then Err.Raise' in ask and "Secrets(policy) = answer" in ask
    assert "If Not Secrets.Exists(policy) Then" in ask      # later tasks get it from memory, no prompt between


# ---------------------------------------------------------------- 15: accounts that last, names that resolve

def test_a_created_local_account_gets_a_password_that_never_expires():
    text = golden("mirrored-local-account-legacy")["hosts/web07/apply.vbs"]
    created = text[text.index('Set user = computer.Create("user", "webanon")'):]
    flags = created.index('user.Put "UserFlags", user.Get("UserFlags") Or &H10000')
    assert created.index("user.SetInfo") < flags < created.index("user.SetInfo", flags)


def test_a_local_anonymous_account_is_written_as_host_backslash_name():
    text = golden("mirrored-local-account-legacy")["hosts/web07/apply.vbs"]
    assert 'MetabasePut node, "AnonymousUserName", HostAccount("webanon")' in text
    assert 'HostAccount = CreateObject("WScript.Network").ComputerName & "\\" & name' in text
    domain = golden("domain-anonymous-account-legacy")["hosts/web01/apply.vbs"]
    assert 'MetabasePut node, "AnonymousUserName", "CONTOSO\\svc-reports"' in domain     # already qualified


def test_logon_method_batch_says_in_preflight_and_check_mode_that_the_batch_right_is_needed():
    scripts = rendered("basic-logon-network.yaml", domain_controller=True)
    text = scripts["hosts/web01/apply.vbs"]
    assert 'MetabasePut node, "LogonMethod", 1' in text
    assert "needs the right Log on as a batch job" in procedure(text, "Preflight")
    plain = vbs("basic-logon-network")["hosts/web01/apply.vbs"]       # LogonMethod 0: nothing to say
    assert "batch job" not in procedure(plain, "Preflight")


def test_a_compound_icacls_right_counts_as_its_strongest_part():
    ntfs = library_text("vbscript", "ntfs")
    strongest = procedure(ntfs, "StrongestRight")
    assert 'For Each part In Split(rights, ",")' in strongest
    has_right = procedure(ntfs, "HasRight")
    assert 'If StrongestRight(tool, rights) >= RightStrength("icacls.exe", wanted) Then' in has_right


# ---------------------------------------------------------------- restarts, created pools

def test_check_mode_reports_a_disruptive_restart_it_would_need():
    for path, text in APPLY.items():
        if "RestartWindowsService" in text:
            wanted = procedure(text, "RestartWanted")
            check = wanted[wanted.index("ElseIf CheckMode Then"):wanted.index("ElseIf disruptive")]
            assert "would need a restart (check mode): run with /restart" in check, path


def test_a_new_pool_copies_the_current_pools_settings_and_rollback_removes_it_when_unused():
    apply = golden("app-pool-identity-legacy")["hosts/web06/apply.vbs"]
    task = next(body for body in procedures(apply, "Task").values() if "assign_app_pool" in body)
    assert task.index("Set created = AppPoolNode(") < task.index("CopyPoolSettings AppPoolNode(source, False), created")
    copied = re.search(r"CopyPoolSettings AppPoolNode\(source, False\), created, Array\((.*)\)", task)
    assert copied and '"PeriodicRestartTime"' in copied[1] and '"IdleTimeout"' in copied[1]
    assert "AppPoolIdentityType" not in copied[1] and "WAMUserName" not in copied[1]
    rollback = golden("app-pool-identity-legacy")["hosts/web06/rollback.vbs"]
    undo = next(body for body in procedures(rollback, "Undo").values() if "assign_app_pool" in body)
    assert 'If before(2) = "0" Then DeleteAppPool' in undo
    delete = procedure(rollback, "DeleteAppPool")
    assert delete.index("If UBound(apps) >= 0 Then") < delete.index(".Delete \"IIsApplicationPool\", name")


def test_check_mode_reports_the_recycle_it_would_do():
    text = golden("app-pool-identity-legacy")["hosts/web06/apply.vbs"]
    recycle = next(body for body in procedures(text, "Task").values() if "recycle_app_pool" in body)
    assert re.search(r'ElseIf CheckMode And Current\("changed"\) Then\n\s+'
                     r'Current\("message"\) = "would recycle the application pool "', recycle)


@pytest.mark.parametrize("name", BUNDLES)
def test_the_header_says_passwords_are_asked_for_before_any_change(name):
    for path, text in vbs(name).items():
        assert "' Passwords are asked for first, before any change (never in check mode)" in text, path
