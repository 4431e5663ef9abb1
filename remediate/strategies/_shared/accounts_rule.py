"""The account rule shared by strategies that store a named account's password."""

from remediate.strategies._shared.base import Context, Strategy


class NamedAccountStrategy(Strategy):
    """Needs access.account and a stored password; a domain account unless mirrored locally."""

    needs: tuple[str, ...] = ("stored_credentials", "domain_accounts")
    needs_account = True

    def needs_for(self, ctx: Context) -> tuple[str, ...]:
        if ctx.account and ctx.is_mirrored(ctx.account):
            return ("stored_credentials",)
        return ("stored_credentials", "domain_accounts")

    def account_problems(self, ctx: Context, account: str) -> list[str]:
        if ctx.policy.is_domain(account) or ctx.is_mirrored(account):
            return []
        return [f"{account} is a local account that {ctx.policy.resource.server} does not know: use a domain "
                "account, or list a mirrored account in resource.local_accounts"]
