"""The strategy catalogue, one small unit per strategy, in the catalogue order of policy.md C."""

from .app_pool_identity import AppPoolIdentity
from .audit_logons import AuditLogons
from .base import Assessment, Context, Strategy
from .basic_auth import BasicAuth
from .complus_identity import ComPlusIdentity
from .disable_password_sync import DisablePasswordSync
from .domain_anonymous_account import DomainAnonymousAccount
from .keep_local import KeepLocal
from .kerberos_delegation import KerberosDelegation
from .logon_method import LogonMethod
from .mirrored_local_account import MirroredLocalAccount
from .null_sessions import NullSessionPipe, NullSessionShare
from .thread_impersonation import ThreadImpersonation
from .vdir_connect_as import VdirConnectAs

CATALOGUE: tuple[Strategy, ...] = (
    KeepLocal(), AuditLogons(), LogonMethod(), DisablePasswordSync(), AppPoolIdentity(), VdirConnectAs(),
    ComPlusIdentity(), DomainAnonymousAccount(), MirroredLocalAccount(), BasicAuth(), KerberosDelegation(),
    ThreadImpersonation(), NullSessionShare(), NullSessionPipe(),
)
BY_ID = {s.id: s for s in CATALOGUE}

__all__ = ["CATALOGUE", "BY_ID", "Assessment", "Context", "Strategy"]
