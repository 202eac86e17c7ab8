"""Emails about records: the student on every decision and objection, stage holders when work comes to them."""
from __future__ import annotations


def on_decision(*, record_id: int, action: str) -> None:
    """After the transaction commits, tell the people concerned (see send_decision)."""
