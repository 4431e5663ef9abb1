from remediate.core import sources
from remediate.diagnosis import diagnose, is_clear_text_logon
from remediate.strategies._shared.base import Context, Outcome, Strategy
from remediate.strategies._shared.changes import network_logon_method, set_logon_method


class LogonMethod(Strategy):
    """LogonMethod picks the token of clear-text logons: network cannot go further, the others can."""

    title = "Set LogonMethod for the clear-text logon"
    source = f"{sources.CLEAR_TEXT}; {sources.LOGON_METHOD_NOTE}"
    risk = "low"
    risk_why = "one setting on one path; the accounts and passwords stay as they are"

    def not_applicable(self, ctx: Context) -> list[str]:
        policy = ctx.policy
        if not is_clear_text_logon(policy):
            return [f"the requests do not get a clear-text logon, so LogonMethod does not decide their token: "
                    f"{ctx.verdict.reasons[0]}"]
        method = policy.logon_method
        if policy.access.as_ == "none":
            if method == "network":
                return ["LogonMethod is already network"]
        elif method != "network":
            return [f"LogonMethod is {method}, which already gives a token that can reach the network"]
        return []

    def build(self, ctx: Context) -> Outcome:
        policy = ctx.policy
        target = "network" if policy.access.as_ == "none" else network_logon_method(policy)
        after = ctx.with_iis(logon_method=target)
        why = (f"LogonMethod network makes the clear-text logon a network token that cannot reach other "
               f"computers ({sources.LOGON_METHOD_NOTE})" if target == "network" else
               f"LogonMethod {target} gives the clear-text logon a token that can reach the network "
               f"({sources.CLEAR_TEXT})")
        return Outcome([set_logon_method(policy, target)], diagnose(after).identity, after, [why])

    def warnings(self, ctx: Context) -> list[str]:
        if ctx.policy.access.as_ != "none":
            return []
        res = ctx.policy.resource
        out = []
        for label, listed in (("NullSessionShares", res.null_session_shares),
                              ("NullSessionPipes", res.null_session_pipes)):
            if listed is None:
                out.append(f"{label} on {res.server} is not known: any share or pipe listed there still lets "
                           f"these requests through as null sessions ({sources.LOGON_METHOD_NOTE})")
            for item in listed or []:
                out.append(f"{item} is in {res.server}'s {label}: requests still reach it as null sessions "
                           f"({sources.LOGON_METHOD_NOTE})")
        return out
