"""Who issues the papers, as dated data: the settings the admin keeps, and the plain
`training.pdf.issuer.Issuer` value a paper of a given date is printed with.

Where the admin has set nothing yet, a default follows from the unit: a province's (or a
2025-map unit's) papers come from its Sở Văn hóa, Thể thao và Du lịch; a pre-2025 district's,
as they did then, from its Phòng Văn hóa và Thông tin.
"""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..pdf.issuer import Issuer
from ..vietnamese import clean
from .models import MAP_PRE2025, IssuerSetting, Unit

DEFAULT_SERIAL_PATTERN = "{number}/{year}/GCN-{symbol}"
#: a signer's title starting with one of these (ký thay, thay mặt, quyền, thừa lệnh, thừa ủy
#: quyền) takes a second line: the signer's own title
TWO_LINE_PREFIXES = ("KT.", "TM.", "Q.", "TL.", "TUQ.")
_FIELD = re.compile(r"\{(number|year|symbol)(:0?[1-9]d)?\}")
_UNIT_PREFIXES = ("Thành phố ", "Thị xã ", "Huyện ", "Quận ", "Tỉnh ")


class IssuerError(DomainError):
    """Settings that cannot be saved; the message is for the user."""


@dataclass(frozen=True)
class InForce:
    """What is in force for a paper: the issuer as printed, and how its serials are made."""

    issuer: Issuer
    serial_pattern: str
    #: the stored setting, or None for the default of the unit
    setting: IssuerSetting | None = None


def lines(text: str) -> tuple[str, ...]:
    """Non-empty, cleaned lines of a multi-line field."""
    return tuple(clean(line) for line in (text or "").splitlines() if clean(line))


def place_of(unit: Unit) -> str:
    """ "Huyện Yên Thế" → "Yên Thế", the place in "Yên Thế, ngày … tháng … năm …"."""
    for prefix in _UNIT_PREFIXES:
        if unit.name.startswith(prefix):
            return unit.name[len(prefix) :]
    return unit.name


def default_for(unit: Unit) -> InForce:
    """The issuer a unit's papers have when no setting says otherwise."""
    if unit.map == MAP_PRE2025 and unit.level == "district":
        issuer = Issuer(
            body_lines=(f"UBND {unit.name.upper()}", "PHÒNG VĂN HÓA VÀ THÔNG TIN"),
            place=place_of(unit),
            signer_title=("TRƯỞNG PHÒNG",),
            signer_name="",
            symbol="PVHTT",
            certifying_title=f"TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN {unit.name.upper()}",
        )
        # the district's own code keeps two districts' serials of that time apart
        return InForce(issuer, "{number}/{year}/GCN-{symbol}-" + unit.code)
    province = unit.province
    issuer = Issuer(
        body_lines=(f"UBND {province.name.upper()}", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"),
        place=place_of(province),
        signer_title=("GIÁM ĐỐC",),
        signer_name="",
        symbol="SVHTTDL",
        certifying_title=f"GIÁM ĐỐC SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH {province.name.upper()}",
    )
    return InForce(issuer, DEFAULT_SERIAL_PATTERN)


def _issuer(setting: IssuerSetting) -> Issuer:
    return Issuer(
        body_lines=lines(setting.body_lines),
        place=setting.place,
        signer_title=lines(setting.signer_title),
        signer_name=setting.signer_name,
        symbol=setting.symbol,
        certifying_title=setting.certifying_title,
    )


def in_force(on: date, unit: Unit) -> InForce:
    """The issuer and serial pattern in force on `on` for papers of `unit` (a course's unit):
    the unit's own setting if it has one by then, else the installation's, else the default."""
    for scope in (unit.id, None):
        setting = db.session.scalar(
            select(IssuerSetting)
            .where(
                IssuerSetting.unit_id.is_(None) if scope is None else IssuerSetting.unit_id == scope,
                IssuerSetting.valid_from <= on,
            )
            .order_by(IssuerSetting.valid_from.desc())
            .limit(1)
        )
        if setting is not None:
            return InForce(_issuer(setting), setting.serial_pattern, setting)
    return default_for(unit)


def issuer_for(on: date, unit: Unit) -> Issuer:
    """The plain Issuer a paper of `unit` dated `on` is printed with."""
    return in_force(on, unit).issuer


def check_pattern(pattern: str) -> str:
    """A serial pattern, validated: only {number}, {year} and {symbol} (with an optional
    width for numbers, {number:03d}), and both {number} and {year}, so serials stay unique.

    :raises IssuerError:
    """
    pattern = (pattern or "").strip()
    rest = _FIELD.sub("", pattern)
    if "{" in rest or "}" in rest:
        raise IssuerError("Mẫu số hiệu chỉ dùng {number}, {year} và {symbol}.")
    names = {m.group(1) for m in _FIELD.finditer(pattern)}
    if not {"number", "year"} <= names:
        raise IssuerError("Mẫu số hiệu phải có {number} và {year}, ví dụ {number}/{year}/GCN-{symbol}.")
    return pattern


def serial(pattern: str, number: int, year: int, symbol: str) -> str:
    """A certificate serial: "15/2026/GCN-SVHTTDL" from the default pattern."""
    return check_pattern(pattern).format(number=number, year=year, symbol=symbol)


def serial_scope(pattern: str, year: int, symbol: str) -> str:
    """What a serial counter counts for: the serial with everything but its number filled
    in, so two bodies (or two patterns) whose serials could coincide share one counter."""
    return _FIELD.sub(
        lambda m: {"year": str(year), "symbol": symbol}.get(m.group(1), "{number}"), check_pattern(pattern)
    )


def signer_title_lines(first: str, second: str) -> tuple[str, ...]:
    """The signer's title as printed: two lines where the first says who signs for whom.

    :raises IssuerError: when the first starts with KT., TM., Q., TL. or TUQ. and the second
        is missing.
    """
    first, second = clean(first).upper(), clean(second).upper()
    if not first:
        raise IssuerError("Cần ghi chức vụ người ký.")
    if first.startswith(TWO_LINE_PREFIXES):
        if not second:
            raise IssuerError(f"Chức vụ “{first}” cần dòng thứ hai: chức vụ của người ký, ví dụ PHÓ GIÁM ĐỐC.")
        return first, second
    return (first, second) if second else (first,)


def save_setting(
    *,
    valid_from: date,
    body_lines: str,
    place: str,
    signer_title: str,
    signer_title_2: str,
    signer_name: str,
    symbol: str,
    serial_pattern: str,
    certifying_title: str,
    unit_id: int | None = None,
    user_id: int | None = None,
) -> IssuerSetting:
    """Add (or, for the same scope and date, replace) a dated issuer setting. Flushes.

    Papers already issued keep what they were issued with (certificates store their PDF);
    papers printed afresh take the setting of their own date.

    :raises IssuerError: for a field that cannot be printed.
    """
    body = lines(body_lines)
    if not body or len(body) > 3:
        raise IssuerError("Cơ quan ban hành ghi từ 1 đến 3 dòng, cơ quan cấp trên trước.")
    title = signer_title_lines(signer_title, signer_title_2)
    if not clean(place):
        raise IssuerError("Cần ghi địa danh.")
    symbol = clean(symbol).upper()
    if not symbol or not re.fullmatch(r"[A-ZĐ0-9&.-]+", symbol):
        raise IssuerError("Ký hiệu cơ quan chỉ gồm chữ in hoa, số và dấu gạch, ví dụ SVHTTDL.")
    pattern = check_pattern(serial_pattern or DEFAULT_SERIAL_PATTERN)
    if not clean(certifying_title):
        raise IssuerError("Cần ghi chức danh người chứng nhận.")
    setting = db.session.scalar(
        select(IssuerSetting).where(
            IssuerSetting.unit_id.is_(None) if unit_id is None else IssuerSetting.unit_id == unit_id,
            IssuerSetting.valid_from == valid_from,
        )
    )
    if setting is None:
        setting = IssuerSetting(unit_id=unit_id, valid_from=valid_from)
        db.session.add(setting)
    setting.body_lines = "\n".join(line.upper() for line in body)
    setting.place, setting.signer_title, setting.signer_name = clean(place), "\n".join(title), clean(signer_name)
    setting.symbol, setting.serial_pattern = symbol, pattern
    setting.certifying_title, setting.created_by_id = clean(certifying_title).upper(), user_id
    db.session.flush()
    return setting


def settings() -> list[IssuerSetting]:
    """Every setting, the installation's first, newest first within a scope."""
    return list(
        db.session.scalars(
            select(IssuerSetting).order_by(
                IssuerSetting.unit_id.is_not(None), IssuerSetting.unit_id, IssuerSetting.valid_from.desc()
            )
        )
    )
