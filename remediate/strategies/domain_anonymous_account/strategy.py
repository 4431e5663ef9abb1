from remediate.core import accounts, sources
from remediate.core.versions import uses_metabase
from remediate.diagnosis import diagnose
from remediate.strategies._shared.anonymous import anonymous_change, anonymous_only
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.changes import grant_access


class DomainAnonymousAccount(Strategy):
    """The article's main answer: an anonymous account every computer of the domain recognises."""

    title = "Make the path's anonymous account a domain account"
    source = f"{sources.DOMAIN_ANONYMOUS}; {sources.FACT_LOGON_DEFAULT}"
    needs = ("domain_accounts", "stored_credentials")
    needs_account = True
    risk = "medium"
    risk_why = "IIS stores a domain account's password, and every anonymous request to the path acts as it"

    def not_applicable(self, ctx: Context) -> list[str]:
        out = anonymous_only(ctx)
        if ctx.policy.iis.workgroup:
            out.append("the server is in a workgroup: it has no domain accounts")
        return out

    def account_problems(self, ctx: Context, account: str) -> list[str]:
        if accounts.is_gmsa(account):
            return [f"{account} is a gMSA: IIS must know the anonymous account's password, which a gMSA does "
                    "not give out"]
        if not ctx.policy.is_domain(account):
            return [f"{account} is not a domain account (DOMAIN\\name)"]
        return []

    def build(self, ctx: Context) -> Outcome:
        policy, account = ctx.policy, ctx.account or ""
        steps, changes, warnings = anonymous_change(ctx, account)
        after = ctx.with_iis(**changes)
        identity = diagnose(after).identity
        steps += grant_access(policy, identity, ctx.allows("file_server_changes"))
        old = policy.anonymous_account or "the pool identity"
        store = "in the metabase" if uses_metabase(policy.iis.version) else "encrypted in applicationHost.config"
        return Outcome(steps, identity, after, [
            f"a domain anonymous account gets a clear-text logon (no password synchronization for domain "
            f"accounts) and is recognised by every computer of the domain ({sources.DOMAIN_ANONYMOUS})",
            f"only {policy.scope} changes: other anonymous requests keep {old}, so they get no network access "
            "(the article)"],
            [f"IIS stores the account's password {store}; the script compares it and sets it only when it differs",
             *warnings])
