"""The account rule shared by strategies that store a named account's password."""

from .base import Context


def named_account_needs(ctx: Context, account: str | None) -> tuple[str, ...]:
    """stored_credentials always; domain_accounts unless the account is a mirrored local one."""
    if account and ctx.is_mirrored(account):
        return ("stored_credentials",)
    return ("stored_credentials", "domain_accounts")


def named_account_problems(ctx: Context, account: str) -> list[str]:
    if ctx.policy.is_domain(account) or ctx.is_mirrored(account):
        return []
    return [f"{account} is a local account that {ctx.policy.resource.server} does not know: use a domain "
            "account, or list a mirrored account in resource.local_accounts"]
