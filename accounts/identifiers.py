"""One spelling per account: how usernames and student ids are normalised, at creation and at sign-in."""
from __future__ import annotations

import unicodedata


def normalize_username(value: str | None) -> str:
    """NFKC, case-folded, trimmed: 'ＲＥＧＩＳＴＲＡＲ', 'Registrar' and ' registrar ' are all 'registrar'."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return unicodedata.normalize("NFKC", text.casefold())


def normalize_student_id(value: str | None) -> str:
    """NFKC, trimmed, upper case: student ids are compared case-insensitively ('x2099' is 'X2099')."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().upper()
