"""The operator's admin site for credits: the registry and sync state (read-only), terms, policies, records."""
from credits.admin import exports, policies, sync, tokens  # noqa: F401  (importing registers the model admins)
