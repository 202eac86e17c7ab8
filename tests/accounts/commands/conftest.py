"""The roster tests' fixtures serve the organisation imports too: English messages, departments cs and math."""
from tests.accounts.test_roster import _english, departments  # noqa: F401  (re-exported fixtures)
