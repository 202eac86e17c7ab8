"""`export_batches [--term T] [--book ID [--note TEXT] --by USER]`: list registrar batches, or book one."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from config.commands import LocalizedCommand
from credits.models import ExportBatch
from credits.selectors.exports import batches
from credits.services.exports import ExportRefused, batch_book, term_for_export


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(LocalizedCommand):
    help = "List export batches with their rows, checksums and booked state (or record a booking)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--term", help="only this term's batches")
        parser.add_argument("--book", type=int, metavar="ID", help="record that the registrar system loaded it")
        parser.add_argument("--note", default="", help="the booking note (回执)")
        parser.add_argument("--by", metavar="USERNAME", help="who booked it (required with --book)")

    def handle(self, *args, term: str | None, book: int | None, note: str, by: str | None, **options) -> None:
        if book is not None:
            self._book(book, note, by)
            return
        try:
            rows = batches(term_id=term_for_export(term).id if term else None)
        except ExportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("id  term  created  by  format  file  rows  status  sha256  booked"))
        for b in rows:
            booked = (pgettext("export batch booked", "%(when)s by %(user)s")
                      % {"when": _when(b.booked_at), "user": b.booked_by} if b.booked else _("not booked"))
            kind = b.file_type + (f"/{b.encoding}" if b.encoding else "")
            self.stdout.write(f"{b.id}  {b.term.code}  {_when(b.created_at)}  {b.created_by or '-'}  "
                              f"{b.format_name}  {kind}  {b.row_count}  {b.get_status_display()}  "
                              f"{b.sha256 or '-'}  {booked}")
        if not rows:
            self.stdout.write(_("no export batches yet"))

    def _book(self, batch_id: int, note: str, by: str | None) -> None:
        actor = get_user_model().objects.filter(username=by).first() if by else None
        if actor is None:
            raise CommandError(_("--book needs --by USERNAME (the registrar who confirms the booking)"))
        if not ExportBatch.objects.filter(id=batch_id).exists():
            raise CommandError(_("no export batch %(id)s") % {"id": batch_id})
        try:
            batch = batch_book(batch_id=batch_id, actor=actor, note=note)
        except ExportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(_("batch %(id)s booked by %(user)s at %(when)s")
                                             % {"id": batch.id, "user": actor, "when": _when(batch.booked_at)}))
