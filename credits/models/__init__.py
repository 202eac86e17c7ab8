"""Credits models, split by concern; import from here."""
from .audit import AuditEvent
from .contributions import Contribution, ContributionKind
from .exports import BatchStatus, ExportBatch, FileType
from .policy import PolicyVersion, Term
from .records import CreditLine, CreditRecord, LineOutcome, RecordDecision, RecordKind, RecordStatus
from .registry import Repository
from .sync import IdentitySyncState, SyncState
from .tokens import ServiceToken, TokenBudget

__all__ = [
    "AuditEvent",
    "BatchStatus",
    "ExportBatch",
    "FileType",
    "Contribution",
    "ContributionKind",
    "CreditLine",
    "CreditRecord",
    "IdentitySyncState",
    "LineOutcome",
    "PolicyVersion",
    "RecordDecision",
    "RecordKind",
    "RecordStatus",
    "Repository",
    "ServiceToken",
    "SyncState",
    "Term",
    "TokenBudget",
]
