"""Emails about records, in each recipient's language: the student on every decision and objection, a stage's
holders when an objection sends a record back to them, and each holder's daily digest of what waits for them."""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from credits.models import CreditRecord, RecordStatus

log = logging.getLogger(__name__)
DIGEST_LIMIT = 20


def language_of(user) -> str:
    """The language the person last used the portal in (the site's default until then)."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _send(user, subject: str, body: str) -> bool:
    if not user.email:
        return False
    send_mail(subject, body, None, [user.email])
    return True


def _decision_text(record: CreditRecord, action: str, reason: str) -> tuple[str, str]:
    """Subject and body for the student, translated in the active language."""
    status = RecordStatus(record.status).label
    subject = _("Your credit record for %(term)s: %(status)s") % {"term": record.term.code, "status": status}
    lines = [_("Record #%(id)s (%(credits)s credits) is now: %(status)s.") % {
        "id": record.pk, "credits": record.credits, "status": status}]
    if action == "approve" and record.status == RecordStatus.IN_REVIEW:
        lines.append(_("It passed a review stage and waits for the next one."))
    if record.notice_ends_on:
        lines.append(_("It is on public notice until %(day)s.") % {"day": f"{record.notice_ends_on:%Y-%m-%d}"})
    if action == "object":
        lines.append(_("An objection was filed during the public notice; the record is reviewed again."))
    if reason:
        lines.append(_("Reason: %(reason)s") % {"reason": reason})
    return subject, "\n".join(lines)


def send_decision(*, record_id: int, action: str) -> int:
    """Tell the student what happened (and, after an objection, the stage's holders); emails sent."""
    from credits.models import AuditEvent
    from credits.services.records_rules import stage_holders, stage_of

    record = CreditRecord.objects.select_related("student__student", "term", "policy_version").get(pk=record_id)
    last = AuditEvent.objects.filter(subject_type="credit_record", subject_id=str(record_id)).order_by("-id").first()
    reason = last.reason if last is not None and last.action == f"record_{action}" else ""
    sent = 0
    with translation.override(language_of(record.student)):
        sent += _send(record.student, *_decision_text(record, action, reason))
    stage = stage_of(record)
    if action == "object" and stage is not None:
        for holder in stage_holders(record, stage):
            with translation.override(language_of(holder)):
                subject = _("Objection to credit record #%(id)s: please review it again") % {"id": record.pk}
                body = _("An objection was filed during the public notice of record #%(id)s: %(reason)s") % {
                    "id": record.pk, "reason": reason}
                sent += _send(holder, subject, body)
    return sent


def on_decision(*, record_id: int, action: str) -> None:
    """After the surrounding transaction commits, send the emails (a mail failure never undoes a decision)."""
    def deliver() -> None:
        try:
            send_decision(record_id=record_id, action=action)
        except Exception:  # noqa: BLE001 - the decision stands; the log says which mail did not go out
            log.exception("could not send the %s notification for record %s", action, record_id)

    transaction.on_commit(deliver)


def reviewer_digests_send() -> int:
    """Daily digest: every stage holder with records waiting gets one email listing them; emails sent."""
    from accounts.models import Mandate, StudentProfile, User
    from credits.services.records_rules import decidable_by

    holder_ids = set(Mandate.objects.values_list("user_id", flat=True)) | set(
        StudentProfile.objects.filter(advisor__isnull=False).values_list("advisor_id", flat=True))
    sent = 0
    for user in User.objects.filter(pk__in=holder_ids, is_active=True).order_by("pk"):
        waiting = CreditRecord.objects.filter(decidable_by(user)).select_related("student__student", "term")
        count = waiting.count()
        if not count:
            continue
        with translation.override(language_of(user)):
            subject = _("Waiting for you: %(n)d credit records") % {"n": count}
            lines = [_("These credit records wait for your decision:")]
            for record in waiting.order_by("status_changed_at", "pk")[:DIGEST_LIMIT]:
                profile = getattr(record.student, "student", None)
                lines.append(f"#{record.pk} {record.term.code} {profile.name if profile else record.student} "
                             f"{record.credits} ({record.approval_stage})")
            if count > DIGEST_LIMIT:
                lines.append(_("… and %(n)d more in the review queue.") % {"n": count - DIGEST_LIMIT})
            sent += _send(user, subject, "\n".join(lines))
    return sent
