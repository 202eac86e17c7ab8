"""Forms for registrar staff."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .text_input import MAX_BYTES as MAX_ROSTER_BYTES


class RosterUploadForm(forms.Form):
    """One roster CSV file."""

    file = forms.FileField(
        label=_("Roster CSV"),
        help_text=_("Columns student_id,name,email,department[,github][,gitee][,gitlab]; UTF-8 or GB18030."),
    )

    def clean_file(self):
        """Refuse files too large to be a roster before reading them into memory."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB; split the roster."))
        return upload
