"""The demo's last step: the registrar's export batch of the records its reviewers approved."""
from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _


def registrar_export(write) -> Path | None:
    """Export every term's approved records as the demo registrar and print each batch's file path."""
    from accounts.models import User
    from credits.models import CreditRecord, RecordStatus, Term
    from credits.services.exports import NothingToExport, batch_create, batch_render

    registrar = User.objects.filter(username="registrar").first()
    waiting = CreditRecord.objects.filter(status=RecordStatus.APPROVED, export_batch__isnull=True)
    last = None
    for term in Term.objects.filter(id__in=waiting.values("term_id")).order_by("starts_on"):
        try:
            batch = batch_render(batch_id=batch_create(term=term, actor=registrar).id)
        except NothingToExport:
            continue
        last = Path(batch.file.path)
        write(_("Registrar export: batch %(id)s of %(term)s, %(rows)d records, sha256 %(sha256)s…")
              % {"id": batch.id, "term": term.code, "rows": batch.row_count, "sha256": batch.sha256[:16]})
        write(f"  {last}")
    if last is None:
        write(_("Registrar export: nothing was exported (no approved records yet; reviewers approve them first)"))
    return last
