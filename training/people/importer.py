"""Trainee import from XLSX or CSV: all rows or none, every bad row named; and the template
to fill. Reading the file is list_reader.py's."""

import io
import math
import re
from datetime import date
from functools import partial

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from .. import audit
from ..extensions import db
from ..spreadsheets import keep_text
from ..units.models import Unit
from ..units.services import communes_of
from ..vietnamese import clean, fold
from . import GENDER_LABELS, GROUP_LABELS, GROUP_SHORT_LABELS
from .list_reader import HEADERS, MAX_ROWS, ImportRejected, RowError, commune_key, parse_date, read_table
from .services import identities_in, is_plausible_birth_date, save_trainee, trainee_identity

TEMPLATE_HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Xã/phường", "Nhóm", "Điện thoại"]
REQUIRED = ("full_name", "birth_date", "gender", "commune", "group")


def _parse_gender(value) -> str:
    folded = fold(str(value or ""))
    if folded in ("nam", "male", "m"):
        return "male"
    if folded in ("nu", "female", "f"):
        return "female"
    raise ValueError(_("Giới tính “%(value)s” không hợp lệ (Nam hoặc Nữ)", value=clean(str(value or ""))))


def _group_spellings() -> dict[str, str]:
    # Accept the code, and the long and short labels in both interface languages.
    spellings = {}
    for locale in ("vi", "en"):
        with force_locale(locale):
            for code in GROUP_LABELS:
                for text in (code, GROUP_LABELS[code], GROUP_SHORT_LABELS[code]):
                    spellings[fold(str(text))] = code
    spellings.update({"1": "commune_broadcast", "2": "party_mass_org"})
    return spellings


def _parse_group(value, spellings: dict[str, str]) -> str:
    group = spellings.get(fold(str(value or "")))
    if group is None:
        raise ValueError(
            _(
                "Nhóm “%(value)s” không hợp lệ (1: %(one)s; 2: %(two)s)",
                value=clean(str(value or "")),
                one=GROUP_SHORT_LABELS["commune_broadcast"],
                two=GROUP_SHORT_LABELS["party_mass_org"],
            )
        )
    return group


def _parse_phone(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)) and math.isfinite(value):  # a number cell; inf/NaN fall through to the refusal
        value = str(int(value))
    digits = re.sub(r"[\s.\-()]", "", clean(str(value)))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if digits.isdigit() and len(digits) == 9:
        digits = "0" + digits  # Excel drops the leading zero of a phone typed as a number
    if not (digits.isdigit() and len(digits) == 10 and digits.startswith("0")):
        raise ValueError(
            _("Số điện thoại “%(value)s” không hợp lệ (10 chữ số, bắt đầu bằng 0)", value=clean(str(value)))
        )
    return digits


def import_trainees(filename: str, content: bytes, unit_id: int, commune_ids: set[int] | None = None) -> list:
    """Create trainees from an uploaded file for the communes of one managing unit; with
    `commune_ids` (a cụm trainer's, permissions.commune_scope), of those communes only.

    Every row is checked before anything is written; flushes only when all rows are good.

    :raises ImportRejected: with every bad row (line number as shown in the spreadsheet).
    """
    table = read_table(filename, content)
    columns = table.columns
    missing = [TEMPLATE_HEADERS[list(HEADERS).index(k)] for k in REQUIRED if k not in columns]
    if missing:
        raise ImportRejected(
            [RowError(table.header_line, _("Thiếu cột: %(columns)s. Hãy dùng tệp mẫu.", columns=", ".join(missing)))]
        )

    unit = db.session.get(Unit, unit_id)
    commune_list = communes_of(unit_id)
    communes: dict[str, list] = {}
    for commune in commune_list:
        communes.setdefault(commune_key(commune.name), []).append(commune)
    groups = _group_spellings()
    # Who is already there, asked for the file's names together rather than once a row.
    names = {fold(str(table.cell(row, "full_name") or "")) for _line, row in table.rows}
    existing = identities_in([c.id for c in commune_list], names)

    errors: list[RowError] = []
    parsed: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for line, row in table.rows:
        cell = partial(table.cell, row)
        problems: list[str] = []
        data: dict = {"full_name": clean(str(cell("full_name") or ""))}
        if not data["full_name"]:
            problems.append(_("Thiếu họ và tên"))
        for key, parse in (("birth_date", parse_date), ("gender", _parse_gender), ("phone", _parse_phone)):
            try:
                data[key] = parse(cell(key))
            except ValueError as exc:
                problems.append(str(exc))
        try:
            data["group"] = _parse_group(cell("group"), groups)
        except ValueError as exc:
            problems.append(str(exc))
        if isinstance(data.get("birth_date"), date) and not is_plausible_birth_date(data["birth_date"]):
            problems.append(_("Ngày sinh nằm ngoài khoảng hợp lý"))
        commune_name = clean(str(cell("commune") or ""))
        matches = communes.get(commune_key(commune_name), [])
        if not commune_name:
            problems.append(_("Thiếu xã/phường"))
        elif not matches:
            problems.append(_("Không có xã/phường “%(name)s” trong %(place)s", name=commune_name, place=unit.name))
        elif len(matches) > 1:
            problems.append(_("Tên xã/phường “%(name)s” trùng nhau, hãy ghi rõ “Xã” hoặc “Phường”", name=commune_name))
        elif commune_ids is not None and matches[0].id not in commune_ids:
            problems.append(_("%(name)s không thuộc địa bàn được giao cho bạn", name=matches[0].name))
        else:
            data["commune_id"] = matches[0].id
        data["position"] = clean(str(cell("position") or ""))
        if not problems:
            identity = trainee_identity(data["full_name"], data["birth_date"], data["commune_id"])
            if identity in seen:
                problems.append(_("Trùng với dòng %(line)d trong tệp", line=seen[identity]))
            elif identity in existing:
                problems.append(_("Đã có học viên cùng họ tên, ngày sinh và xã trong hệ thống"))
            seen.setdefault(identity, line)
        if problems:
            errors.append(RowError(line, "; ".join(problems) + "."))
        else:
            parsed.append((line, data))
    if errors:
        raise ImportRejected(errors)
    if not parsed:
        raise ImportRejected([RowError(0, _("Tệp không có dòng dữ liệu nào."))])
    trainees = [save_trainee(None, data, flush=False) for _line, data in parsed]
    db.session.flush()
    audit.record(
        "trainee.import",
        unit,
        file=filename[:120],
        rows=len(trainees),
        first_id=trainees[0].id,
        last_id=trainees[-1].id,
    )
    return trainees


def template_workbook(unit_id: int | None, commune_ids: set[int] | None = None) -> bytes:
    """The import template: the header row, one example row marked "Ví dụ:" (which the
    import skips, so the template uploaded unchanged creates nobody), and lists of valid
    values (with `commune_ids`, a cụm trainer's, only those communes)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Hoc vien"
    sheet.append(TEMPLATE_HEADERS)
    communes = [c for c in communes_of(unit_id) if commune_ids is None or c.id in commune_ids] if unit_id else []
    example_commune = communes[0].name if communes else "Xã …"
    sheet.append(
        [
            "Ví dụ: Nguyễn Thị Hương",
            "15/03/1985",
            "Nữ",
            "Công chức Văn hóa - Xã hội",
            example_commune,
            str(GROUP_SHORT_LABELS["commune_broadcast"]),
            "0912345678",
        ]
    )
    for column, width in zip("ABCDEFG", (28, 14, 10, 32, 24, 40, 14)):
        sheet.column_dimensions[column].width = width
    lists = workbook.create_sheet("Danh muc")
    lists.append(["Xã/phường", "Nhóm", "Giới tính"])
    values = [c.name for c in communes]
    groups = [str(label) for label in GROUP_SHORT_LABELS.values()]
    genders = [str(label) for label in GENDER_LABELS.values()]
    for i in range(max(len(values), len(groups), len(genders))):
        lists.append(
            [
                values[i] if i < len(values) else None,
                groups[i] if i < len(groups) else None,
                genders[i] if i < len(genders) else None,
            ]
        )
    lists.column_dimensions["A"].width = 28
    lists.column_dimensions["B"].width = 40
    # Drop-down lists in the data sheet so a typo never gets that far.
    for column, source in (
        ("E", f"'Danh muc'!$A$2:$A${len(values) + 1}"),
        ("F", "'Danh muc'!$B$2:$B$3"),
        ("C", "'Danh muc'!$C$2:$C$3"),
    ):
        if column == "E" and not values:
            continue
        validation = DataValidation(type="list", formula1=source, allow_blank=True)
        sheet.add_data_validation(validation)
        validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
    # A commune name that begins like a formula must stay text in both sheets.
    for cell in (cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row):
        keep_text(cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
