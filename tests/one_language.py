"""What a command printed is in one language: every line Chinese in a zh-hans run, none in an en run."""
from __future__ import annotations

import re

HAN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")  # hanzi and CJK punctuation
PATH = re.compile(r"\S*/\S*")  # paths and a/b pairs are data
PHRASE = re.compile(r"\b[a-z]{2,} [a-z]{2,}\b")  # two English words in a row: a sentence left untranslated


def assert_one_language(text: str, language: str, *, data: tuple[str, ...] = ()) -> None:
    """Every non-blank line of `text` is in `language`; `data` (names, codes) and paths are ignored."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the command printed nothing"
    for line in lines:
        bare = line
        for token in data:
            bare = bare.replace(token, " ")
        bare = PATH.sub(" ", bare)
        if not bare.strip():
            continue  # only data (a path, a checksum): no language to check
        if language == "en":
            assert not HAN.search(bare), f"Chinese in an English run: {line!r}"
        else:
            assert HAN.search(bare), f"a line without Chinese in a Chinese run: {line!r}"
            assert not PHRASE.search(bare), f"English words in a Chinese run: {line!r}"
