"""What a student can do next with a record, in words: submit, resubmit, wait for stage k of n, notice until."""
from __future__ import annotations

from django.utils.translation import gettext as _

from credits.models import CreditRecord, RecordKind, RecordStatus
from credits.models.records import AWAITING
from credits.services.records_rules import approval_of, stage_of


def next_step(record: CreditRecord, *, chinese: bool) -> str:
    """One sentence for the student about this record's next step, in the active language."""
    status = record.status
    if record.kind == RecordKind.REVOCATION:  # approved the moment it exists; nothing for the student to do
        return _("This cancels credit that was revoked; the registrar's next export records it.")
    if status == RecordStatus.DRAFT:
        if not record.credits:
            return _("Nothing to submit yet: no credit is due this term.")
        if record.kind == RecordKind.EVALUATION and approval_of(record.policy_version).submission == "automatic":
            return _("Your university submits this for you when the submission window closes.")
        return _("Next: submit it for review on the credit page.")
    if status == RecordStatus.RETURNED:
        return _("Returned to you: see the reviewer's reason on the record, then resubmit.")
    if status in AWAITING:
        stage = stage_of(record)
        if stage is None:
            return _("Waiting for review.")
        stages = approval_of(record.policy_version).stages
        return _("Waiting for stage %(k)s of %(n)s: %(stage)s.") % {
            "k": record.stage_index + 1, "n": len(stages), "stage": stage.name_zh if chinese else stage.name_en}
    if status == RecordStatus.IN_PUBLIC_NOTICE:
        if record.notice_ends_on is None:
            return _("On public notice.")
        return _("On public notice until %(date)s: it becomes final then unless an objection is upheld.") % {
            "date": record.notice_ends_on.strftime("%Y-%m-%d")}
    if status == RecordStatus.APPROVED:
        return _("Approved: final. The registrar records it.")
    if status == RecordStatus.REJECTED:
        return _("Rejected: the reason is on the record's page.")
    return _("Revoked: the reason is on the record's page.")
