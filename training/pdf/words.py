"""Words and numbers as papers write them: the decree's date, the place and date, the decimal
comma, percentages, and a unit or position as running text writes it."""

from datetime import date

from babel.numbers import format_decimal, format_percent
from flask_babel import gettext as _


def written_date(on: date) -> str:
    """The date as Nghị định 30/2020/NĐ-CP writes it, "ngày 04 tháng 5 năm 2026": a day below
    10 and the months 1 and 2 take a leading zero, the other months none."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"  # an official paper's words, in any UI language


def place_and_date(place: str, on: date | None) -> str:
    """ "Bắc Ninh, ngày 04 tháng 5 năm 2026"; with no date, the blanks a form leaves to fill."""
    if on is None:
        return _("%(place)s, ngày …… tháng …… năm ……", place=place)
    return f"{place}, {written_date(on)}"


def decimal(value: float, digits: int = 1) -> str:
    """A number with the Vietnamese decimal comma: 1234.5 → "1.234,5"."""
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale="vi")


def percent(share: float | None, digits: int = 1) -> str:
    """A share as a percentage with the decimal comma: 0.939 → "93,9%"; None → "—"."""
    if share is None:
        return "—"
    return format_percent(share, format="#,##0." + "0" * digits + "%" if digits else "#,##0%", locale="vi")


def in_text(name: str | None) -> str:
    """A unit or position as running text writes it (Phụ lục II of Nghị định 30): the kind of
    unit or the first word in lower case, "Xã Canh Nậu" → "xã Canh Nậu", "Công chức Văn hóa -
    xã hội" → "công chức Văn hóa - xã hội"; an abbreviation ("UBND") stays as it is."""
    if not name:
        return ""
    first = name.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return name
    return name[0].lower() + name[1:]
