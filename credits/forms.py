"""Forms of the credits pages."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from credits.exporting.formats import ENCODINGS, format_names
from credits.models import Term


class ExportForm(forms.Form):
    """A new registrar batch: term, named format, and CSV encoding or XLSX."""

    term = forms.ModelChoiceField(label=_("Term"), queryset=Term.objects.order_by("-starts_on"), to_field_name="code")
    format = forms.ChoiceField(label=_("Format"), choices=())
    encoding = forms.ChoiceField(label=_("Encoding"), required=False,
                                 choices=[("", _("the format's own"))] + [(e, e) for e in ENCODINGS])
    xlsx = forms.BooleanField(label=_("Excel workbook (XLSX) instead of CSV"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(name, name) for name in format_names()]
        self.fields["format"].initial = "default"


class BookForm(forms.Form):
    """The registrar's receipt (回执) for a batch their system has loaded."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
