"""Reads for pages, commands and exports: one module per concern, each scoped by who is asking
(through accounts.access) wherever a person is asking."""
