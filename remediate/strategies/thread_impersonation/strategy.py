from remediate.core import sources
from remediate.diagnosis import qualify
from remediate.operations import Advisory, Operation
from remediate.strategies._shared.accounts_rule import NamedAccountStrategy
from remediate.strategies._shared.base import Context, Outcome
from remediate.strategies._shared.changes import grant_access

# LogonUser needs SeTcbPrivilege on Windows 2000 and earlier (Microsoft Learn, "LogonUserW function (winbase.h)").
TCB_REQUIRED = {"4.0": "Windows NT 4.0", "5.0": "Windows 2000"}


class ThreadImpersonation(NamedAccountStrategy):
    """The application logs an account on itself (LogonUser) and impersonates it around the access."""

    title = "Change the code to impersonate an account with LogonUser"
    source = f"{sources.THREAD}; {sources.FACT_LOGONUSER}"
    needs = ("code_changes", "stored_credentials", "domain_accounts")
    risk = "high"
    risk_why = "the application must hold a password and manage tokens itself; mistakes leak the identity"

    def not_applicable(self, ctx: Context) -> list[str]:
        policy = ctx.policy
        windows = TCB_REQUIRED.get(policy.iis.version)
        if windows and policy.isolation != "in-process":
            return [f"on {windows} LogonUser needs \"Act as part of the operating system\"; {policy.isolation} "
                    f"code runs as IWAM_{policy.host_name}, which lacks it, and RevertToSelf only reaches "
                    f"LocalSystem in process ({sources.THREAD})"]
        return []

    def needs_for(self, ctx: Context) -> tuple[str, ...]:
        return ("code_changes", *super().needs_for(ctx))

    def build(self, ctx: Context) -> Outcome:
        policy, account = ctx.policy, ctx.account or ""
        identity = qualify(policy, account)
        legacy = policy.iis.version in ("4.0", "5.0", "5.1")
        sketch = "logonuser-isapi" if legacy else "logonuser-dotnet"
        text = (f"change the code that opens {policy.resource.path} to log {account} on with LogonUser and "
                "impersonate it only around that access"
                + ("; in process, call RevertToSelf first so LogonUser runs as LocalSystem" if legacy else ""))
        steps: list[Operation] = [Advisory("iis", text, sketch=sketch, language="cpp" if legacy else "csharp")]
        steps += grant_access(policy, identity, ctx.allows("file_server_changes"))
        return Outcome(steps, identity, None, [
            f"a token made by LogonUser with the password is not a network token, so it can reach "
            f"{policy.resource.server} ({sources.THREAD})"],
            ["keep the password out of the source and the web.config in clear: use protected storage"])
