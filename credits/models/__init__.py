"""Credits models, split by concern; import from here."""
from .audit import AuditEvent
from .contributions import Contribution, ContributionKind
from .registry import Repository
from .sync import IdentitySyncState, SyncState

__all__ = [
    "AuditEvent",
    "Contribution",
    "ContributionKind",
    "IdentitySyncState",
    "Repository",
    "SyncState",
]
