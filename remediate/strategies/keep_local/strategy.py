from remediate.core import sources
from remediate.operations import Advisory
from remediate.strategies._shared.base import Context, Outcome, Strategy


class KeepLocal(Strategy):
    """The article's first way out: no network logon at all."""

    title = "Keep the resource on the IIS computer"
    source = sources.KEEP_LOCAL
    risk = "low"
    risk_why = "nothing changes until a person moves the data"
    preferred_only = True
    judged = False

    def build(self, ctx: Context) -> Outcome:
        res = ctx.policy.resource
        what = {"unc-share": f"Copy the files of {res.path} to a folder on the IIS computer and point the "
                             "application at the local path",
                "named-pipe": f"Run the service behind {res.path} on the IIS computer and open the pipe locally",
                "sql-server": f"Host the database of {res.server} on the IIS computer, or reach it over a "
                              "channel that needs no Windows logon"}[res.kind]
        return Outcome([Advisory("iis", f"{what}: a local resource needs no network logon, so the token "
                                        "type does not matter")], "",
                       reasons=[f"a local resource is checked against the request's token on the IIS computer "
                                f"itself ({sources.KEEP_LOCAL})"])
