"""LocalizedCommand: `--lang` before or after a subcommand's name chooses the run's one language."""
from __future__ import annotations

import pytest
from django.core.management import CommandError

from credits.management.commands.audit import Command as Audit
from credits.management.commands.policy import Command as Policy


@pytest.mark.parametrize(("argv", "lang"), [
    (["verify"], None),
    (["verify", "--lang", "en"], "en"),
    (["--lang", "en", "verify"], "en"),
    (["--lang", "en", "verify", "--lang", "zh-hans"], "zh-hans"),
])
def test_lang_is_taken_before_or_after_the_subcommand(argv, lang):
    assert Audit().create_parser("manage.py", "audit").parse_args(argv).lang == lang


def test_every_subcommand_takes_it():
    parser = Policy().create_parser("manage.py", "policy")
    assert parser.parse_args(["list", "--lang", "en"]).lang == "en"
    assert parser.parse_args(["validate", "x.yaml", "--lang", "zh-hans"]).lang == "zh-hans"


def test_an_unknown_language_is_refused():
    with pytest.raises(CommandError, match="invalid choice: 'fr'"):
        Audit().create_parser("manage.py", "audit").parse_args(["verify", "--lang", "fr"])
