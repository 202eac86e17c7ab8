"""Uploaded text (rosters, department and staff lists): encoding detection, size limits, per-cell checks.

UTF-8 (with or without BOM) is read as such; otherwise GB18030 is accepted only when the reading is plausible
(no private-use characters, mostly common hanzi, and charset-normalizer not confidently naming another CJK
encoding), because Big5, Shift-JIS and EUC-KR bytes nearly always also "decode" as GB18030 into nonsense.
Files are read in chunks: a file over the limit is refused before it is read, and parsing streams.
"""
from __future__ import annotations

import codecs
import io
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_BYTES = 10 * 1024 * 1024  # a roster of 50,000 students is about 5 MB
CHUNK = 64 * 1024
SAMPLE = 256 * 1024  # bytes charset-normalizer looks at
GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz"}
HINT_UTF8 = gettext_noop("save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8) and upload it again")
# Bidirectional overrides, embeddings, isolates and marks: they make a name display as something else.
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
LINE_BREAKS = set("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class EncodingRefused(UnicodeError):
    """The file's encoding is not one we read, or its GB18030 reading is implausible; the message says why."""


def as_stream(data: bytes | BinaryIO) -> BinaryIO:
    """A seekable binary stream over `data` (bytes, an uploaded file, an open file)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(data))
    data.seek(0)
    return data


def stream_size(stream: BinaryIO) -> int:
    """Bytes in a seekable stream, without reading it."""
    here = stream.tell()
    size = stream.seek(0, io.SEEK_END)
    stream.seek(here)
    return size


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        yield chunk


def _decodes(stream: BinaryIO, encoding: str) -> tuple[bool, int, str]:
    """(decodes?, offset of the first bad byte, the first SAMPLE characters) reading chunk by chunk."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, sample = 0, []
    kept = 0
    try:
        for chunk in _chunks(stream):
            text = decoder.decode(chunk)
            if kept < SAMPLE:
                sample.append(text[:SAMPLE - kept])
                kept += len(sample[-1])
            if encoding == "gb18030" and any(_private_use(c) for c in text):
                return False, -1, "".join(sample)
            offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return False, offset + max(exc.start, 0), "".join(sample)
    return True, 0, "".join(sample)


def _private_use(char: str) -> bool:
    return unicodedata.category(char) == "Co"


def _gb_plausible(sample_bytes: bytes, sample_text: str) -> bool:
    """Whether a GB18030 reading looks like Chinese, not Big5/Shift-JIS/EUC-KR read in the wrong code page."""
    wide = [c for c in sample_text if ord(c) > 0x7F]
    if not wide:
        return True
    common = 0
    for char in wide:
        try:
            char.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    if common / len(wide) < 0.5:  # Shift-JIS read as GB18030 gives rare characters only
        return False
    matches = {m.encoding: m for m in from_bytes(sample_bytes)}
    if not matches:
        return True
    gb = next((m for name, m in matches.items() if name in GB_FAMILY), None)
    if gb is None:
        return False  # the detector would not read it as Chinese at all
    best = next(iter(matches.values()))
    # A clearly cleaner reading in another code page (EUC-KR, Big5, ...) than in GB18030: refuse.
    return best.encoding in GB_FAMILY or gb.chaos - best.chaos <= 0.15


def detect_encoding(stream: BinaryIO) -> str:
    """The encoding to read `stream` with (utf-8, utf-8-sig or gb18030), or EncodingRefused saying why."""
    stream.seek(0)
    head = stream.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise EncodingRefused(_("the file is UTF-16; %(hint)s") % {"hint": _(HINT_UTF8)})
    ok, _offset, _sample = _decodes(stream, "utf-8")
    if ok:
        return "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    ok, offset, sample = _decodes(stream, "gb18030")
    if not ok and offset >= 0:
        raise EncodingRefused(_("the file is neither UTF-8 nor GB18030 (bad byte at offset %(offset)s)")
                              % {"offset": offset})
    stream.seek(0)
    if not ok or not _gb_plausible(stream.read(SAMPLE), sample):
        raise EncodingRefused(_("the file is not UTF-8, and read as GB18030 its names come out garbled (is it "
                                "Big5, Shift-JIS or EUC-KR?); %(hint)s") % {"hint": _(HINT_UTF8)})
    return "gb18030"


def open_text(data: bytes | BinaryIO, *, max_bytes: int = MAX_BYTES) -> tuple[io.TextIOBase, str]:
    """A text stream over an uploaded file and its encoding; refuses a file over `max_bytes` unread."""
    stream = as_stream(data)
    size = stream_size(stream)
    if size > max_bytes:
        raise EncodingRefused(_("the file is %(size)s MB, more than %(max)s MB; split it")
                              % {"size": round(size / 1048576, 1), "max": max_bytes // 1048576})
    encoding = detect_encoding(stream)
    stream.seek(0)
    return io.TextIOWrapper(_Unclosed(stream), encoding=encoding, newline=""), encoding


class _Unclosed(io.RawIOBase):
    """A view of a stream that closing (or garbage-collecting) the TextIOWrapper does not close."""

    def __init__(self, inner: BinaryIO):
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._inner.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def decode_roster(data: bytes | BinaryIO) -> tuple[str, str]:
    """Whole text and encoding name of a small file (UTF-8 first, then a plausible GB18030), else UnicodeError."""
    text, encoding = open_text(data)
    return text.read(), encoding


def cell_problem(value: str) -> str | None:
    """Why a cell may not hold `value` (control characters, bidirectional overrides, line breaks), or None."""
    for char in value:
        if char in LINE_BREAKS:
            return _("contains a line break")
        if char in BIDI:
            return _("contains a bidirectional override (U+%(code)04X)") % {"code": ord(char)}
        if unicodedata.category(char) == "Cc":
            return _("contains a control character (U+%(code)04X)") % {"code": ord(char)}
    return None


def shown(value: str, limit: int = 60) -> str:
    """`value` safe to print and store: control, bidi and line-break characters escaped, long values cut."""
    out = "".join(c if c not in BIDI and c not in LINE_BREAKS and unicodedata.category(c) != "Cc"
                  else f"\\u{ord(c):04x}" for c in value[:limit])
    return out + ("..." if len(value) > limit else "")
