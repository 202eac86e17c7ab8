"""`export_credits --term T --out FILE [--format NAME] [--encoding utf-8-sig|gb18030] [--xlsx]`: a registrar batch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from config.commands import LocalizedCommand
from credits.exporting.cells import UnwritableCell
from credits.exporting.formats import ENCODINGS, FormatError
from credits.services.exports import ExportRefused, NothingToExport, batch_create, batch_render, term_for_export


class Command(LocalizedCommand):
    help = "Book every approved, not yet exported record of a term into a new export batch and write its file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--term", required=True, help="term code, e.g. 2026-autumn")
        parser.add_argument("--out", required=True, type=Path, help="where to write the batch's file")
        parser.add_argument("--format", default="default", help="a named export format (default: default)")
        parser.add_argument("--encoding", help=f"CSV encoding: {' or '.join(ENCODINGS)} "
                            "(default: the format's)")
        parser.add_argument("--xlsx", action="store_true", help="write an Excel workbook instead of CSV")
        parser.add_argument("--by", metavar="USERNAME", help="the registrar on whose behalf the batch is created")

    def handle(self, *args, term: str, out: Path, format: str, encoding: str | None, xlsx: bool,
               by: str | None, **options) -> None:
        if not out.parent.is_dir():  # checked before anything is claimed
            raise CommandError(_("%(dir)s is not a directory; nothing was exported") % {"dir": out.parent})
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(_("no user %(name)r; nothing was exported") % {"name": by})
        try:
            batch = batch_create(term=term_for_export(term), actor=actor, format_name=format, encoding=encoding,
                                 xlsx=xlsx)
        except NothingToExport as exc:
            self.stdout.write(str(exc))
            return
        except (ExportRefused, FormatError, UnwritableCell) as exc:
            raise CommandError(str(exc)) from exc
        batch = batch_render(batch_id=batch.id)
        partial = out.with_name(out.name + ".partial")
        with batch.file.open("rb") as source, open(partial, "wb") as target:
            shutil.copyfileobj(source, target)
        os.replace(partial, out)
        kind = batch.file_type + (f"/{batch.encoding}" if batch.encoding else "")  # as export_batches lists it
        self.stdout.write(self.style.SUCCESS(
            _("batch %(id)s: %(rows)d rows of %(term)s (%(format)s, %(kind)s) sha256 %(sha256)s")
            % {"id": batch.id, "rows": batch.row_count, "term": batch.term.code, "format": batch.format_name,
               "kind": kind, "sha256": batch.sha256}))
        self.stdout.write(str(out))
