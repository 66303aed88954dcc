"""Vietnamese text helpers: normalisation, accent folding and dictionary name order."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control characters left once white space is collapsed (NUL, ESC, DEL…): never part of a
# name or a title, and PostgreSQL refuses NUL in any text.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Vietnamese alphabet order; letters outside it (f, j, w, z in foreign names) sort after.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy" + "fjwz"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Tone order used by dictionaries: none, huyền, hỏi, ngã, sắc, nặng.
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make a letter of their own (ă, â, ê, ô, ơ, ư) rather than a tone.
_SHAPE_MARKS = {"\u0306", "\u0302", "\u031b"}


def clean(text: str | None) -> str:
    """Trim, collapse inner white space, drop control characters and NFC-normalise (what every
    stored text gets)."""
    if text is None:
        return ""
    return _CONTROLS.sub("", _SPACES.sub(" ", unicodedata.normalize("NFC", str(text)))).strip()


def fold(text: str | None) -> str:
    """Lower-case and strip accents so that "huong" matches "Hướng" and "Đức" "duc"."""
    decomposed = unicodedata.normalize("NFD", clean(text).lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _letters_and_tone(word: str) -> tuple[list[int], int]:
    ranks: list[int] = []
    tone = 0
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONE_MARKS:
            tone = _TONE_MARKS[ch]
        elif ch in _SHAPE_MARKS and ranks:
            # Re-rank the previous base letter as its own letter (a + ̆ → ă).
            base = _ALPHABET[ranks[-1]] if ranks[-1] < len(_ALPHABET) else ""
            composed = unicodedata.normalize("NFC", base + ch)
            ranks[-1] = _LETTER_RANK.get(composed, ranks[-1])
        elif ch in _LETTER_RANK:
            ranks.append(_LETTER_RANK[ch])
        elif ch.isalnum():
            ranks.append(len(_ALPHABET) + (ord(ch) % 60))
    return ranks, tone


def _word_key(word: str) -> str:
    ranks, tone = _letters_and_tone(word)
    # Two digits a letter from 01; "00" ends the letters so "An" sorts before "Anh";
    # the tone digit decides between words with the same letters ("Anh" before "Ánh").
    return "".join(f"{r + 1:02d}" for r in ranks) + "00" + str(tone)


def name_sort_key(full_name: str) -> str:
    """A key that sorts names the Vietnamese way: given name, then family and middle names,
    letters in Vietnamese order, tones breaking ties. Made of digits only, so it sorts the
    same under any database collation."""
    words = clean(full_name).split(" ")
    if not words or words == [""]:
        return ""
    return "".join(_word_key(word) for word in words[-1:] + words[:-1])[:250]


def sort_key(text: str) -> str:
    """The same Vietnamese order for a text read from its first word on (a unit's name: "Xã
    Đông Sơn" after "Xã Dương Hưu", before "Xã Gia Bình"), where code points would put every
    name that starts with Đ, Â or Ư after Z."""
    return "".join(_word_key(word) for word in clean(text).split(" ") if word)
