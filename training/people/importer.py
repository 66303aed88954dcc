"""Trainee import from XLSX or CSV: all rows or none, every bad row named."""

import codecs
import csv
import io
import itertools
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..spreadsheets import keep_text
from ..units.models import Unit
from ..units.services import communes_of
from ..vietnamese import clean, fold
from . import GENDER_LABELS, GROUP_LABELS, GROUP_SHORT_LABELS
from .services import identities_in, is_plausible_birth_date, save_trainee, trainee_identity

#: data rows (not blank) one import may hold
MAX_ROWS = 5000
#: lines read, blank ones included, before a file is refused as too long
MAX_LINES = 2 * MAX_ROWS
#: columns of a list (the template has seven; a district's own list may carry a few more)
MAX_COLUMNS = 30
#: filled cells in a whole file
MAX_CELLS = 20 * MAX_ROWS
#: bytes that the parts of an .xlsx may hold once uncompressed (5,000 rows take about 3 MB)
MAX_XLSX_UNCOMPRESSED = 20 * 2**20
#: lines of an .xlsx searched for formulas saved without their values
FORMULA_CHECK_LINES = 50

# Column → accepted header spellings (folded: no accents, lower case).
HEADERS = {
    "full_name": ("ho va ten", "ho ten", "full name", "name"),
    "birth_date": ("ngay sinh", "ngay thang nam sinh", "birth date", "date of birth", "birthdate"),
    "gender": ("gioi tinh", "gender", "sex"),
    "position": ("chuc vu", "position", "title"),
    "commune": ("xa/phuong", "xa, phuong", "xa", "phuong", "don vi", "commune", "ward"),
    "group": ("nhom", "nhom doi tuong", "doi tuong", "group"),
    "phone": ("dien thoai", "so dien thoai", "sdt", "phone", "phone number"),
}
TEMPLATE_HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Xã/phường", "Nhóm", "Điện thoại"]
REQUIRED = ("full_name", "birth_date", "gender", "commune", "group")
_COMMUNE_PREFIX = re.compile(r"^(xa|phuong|thi tran|tt\.?)\s+")
_DATE_TEXT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


@dataclass
class RowError:
    line: int
    message: str


class ImportRejected(DomainError):
    """The file was refused as a whole; `errors` lists every bad row (`reasons`, their messages)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__([error.message for error in errors])


def read_rows(filename: str, content: bytes) -> list[list]:
    """The rows of the first sheet of an .xlsx, or of a .csv (UTF-8 or Windows-1258), read
    as a stream and stopped at the limits (MAX_LINES lines, MAX_COLUMNS columns, MAX_CELLS
    filled cells; MAX_XLSX_UNCOMPRESSED bytes inside an .xlsx), so that no file, however it
    is made, holds more than a few megabytes of a worker's memory.

    :raises ImportRejected: the file cannot be read, or is over a limit (the message says which).
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(content)
    if name.endswith(".csv"):
        return _bounded(_csv_rows(content))
    raise ImportRejected([RowError(0, _("Chỉ nhận tệp .xlsx hoặc .csv."))])


def _refuse(message: str, line: int = 0) -> ImportRejected:
    return ImportRejected([RowError(line, message)])


def _bounded(rows) -> list[list]:
    """The rows, each cut to MAX_COLUMNS cells (those beyond must be empty), read until a
    limit is passed.

    :raises ImportRejected: more lines, columns or filled cells than the limits."""
    kept: list[list] = []
    cells = 0
    for line, row in enumerate(rows, start=1):
        if line > MAX_LINES:
            raise _refuse(
                _(
                    "Tệp có hơn %(max)d dòng (kể cả dòng trống); mỗi lần nhập tối đa %(rows)d dòng dữ liệu.",
                    max=MAX_LINES,
                    rows=MAX_ROWS,
                )
            )
        if len(row) > MAX_COLUMNS and any(_filled(value) for value in itertools.islice(row, MAX_COLUMNS, None)):
            column = next(i for i in range(len(row) - 1, MAX_COLUMNS - 1, -1) if _filled(row[i])) + 1
            raise _refuse(
                _(
                    "Dòng %(line)d có dữ liệu ở cột %(column)s; tệp nhập chỉ được có tối đa %(max)d cột. "
                    "Hãy xóa các cột thừa rồi thử lại.",
                    line=line,
                    column=_column_name(column),
                    max=MAX_COLUMNS,
                ),
                line,
            )
        row = list(row[:MAX_COLUMNS])
        cells += sum(1 for value in row if _filled(value))
        if cells > MAX_CELLS:
            raise _refuse(_("Tệp có hơn %(max)d ô có dữ liệu; hãy chia thành nhiều tệp nhỏ hơn.", max=MAX_CELLS), line)
        kept.append(row)
    return kept


def _column_name(number: int) -> str:
    """A column as a spreadsheet names it (AB), or by its number past the last one Excel has."""
    return get_column_letter(number) if number <= 16384 else f"#{number}"


def _filled(value) -> bool:
    return value is not None and value != ""


def _xlsx_rows(content: bytes) -> list[list]:
    unreadable = _("Không đọc được tệp Excel (.xlsx). Hãy lưu lại tệp bằng Excel rồi thử lại.")
    # What the parts of the file would take once uncompressed, from the zip's directory
    # before anything is uncompressed: a "bomb" of a few hundred kilobytes that opens to
    # gigabytes is refused here (and a part that holds more than its directory says is cut
    # off there by the zip reader, and fails its checksum).
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            size = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _refuse(unreadable) from exc
    if size > MAX_XLSX_UNCOMPRESSED:
        raise _refuse(
            _(
                "Tệp Excel quá lớn khi giải nén (%(mb)d MB; tối đa %(max)d MB). Hãy chỉ giữ danh sách cần nhập "
                "trong một trang tính rồi lưu lại.",
                mb=size // 2**20,
                max=MAX_XLSX_UNCOMPRESSED // 2**20,
            )
        )
    try:
        rows = _sheet_rows(content, data_only=True)
        # A formula saved without its value (a file written by a program, never opened in
        # Excel) reads as an empty cell: say so, rather than "missing column".
        formulas = _sheet_rows(content, data_only=False, lines=FORMULA_CHECK_LINES)
    except ImportRejected:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _refuse(unreadable) from exc
    for line, (values, written) in enumerate(zip(rows, formulas), start=1):
        for column, (value, text) in enumerate(zip(values, written), start=1):
            if value is None and isinstance(text, str) and text.startswith("="):
                raise _refuse(
                    _(
                        "Ô %(cell)s là công thức chưa có giá trị (%(formula)s): tệp được tạo bởi một chương trình "
                        "và chưa từng được tính. Hãy mở tệp bằng Excel, lưu lại rồi tải lên, hoặc thay công thức "
                        "bằng giá trị.",
                        cell=f"{get_column_letter(column)}{line}",
                        formula=text[:40],
                    ),
                    line,
                )
    return rows


def _sheet_rows(content: bytes, data_only: bool, lines: int | None = None) -> list[list]:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    try:
        sheet = workbook.worksheets[0]
        if (sheet.max_column or 0) > MAX_COLUMNS:  # from the sheet's own stated size, when it has one
            raise _refuse(
                _(
                    "Trang tính có dữ liệu đến cột %(column)s; tệp nhập chỉ được có tối đa %(max)d cột. "
                    "Hãy xóa các cột thừa rồi thử lại.",
                    column=get_column_letter(sheet.max_column),
                    max=MAX_COLUMNS,
                )
            )
        # Read on the rows themselves, not on that stated size (which may be wrong or absent),
        # one row at a time: a row is as wide as its last cell (at most Excel's 16,384
        # columns), and each is cut to MAX_COLUMNS before the next is read.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        if lines is not None:
            return [list(row[:MAX_COLUMNS]) for row in itertools.islice(rows, lines)]
        return _bounded(rows)
    finally:
        workbook.close()


def _csv_rows(content: bytes):
    head = content[:4096]
    # UTF-16 ("Unicode Text" in Excel's save menu): a byte-order mark, or, without one, a NUL
    # beside nearly every Latin letter.
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(0) > len(head) // 4:
        raise _refuse(
            _(
                "Tệp CSV được lưu bằng mã hóa UTF-16 (“Unicode Text”), không đọc được. Hãy mở tệp bằng Excel "
                "và lưu lại với kiểu “CSV UTF-8 (Comma delimited)”."
            )
        )
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refuse(_("Không đọc được tệp CSV: hãy lưu với mã hóa UTF-8."))
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        pass
    # newline="": line breaks are the reader's to find, so a file saved with bare CR line
    # ends (old Mac Excel) or a CR inside a cell is read rather than refused as malformed.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as exc:  # e.g. a cell over the csv module's field size limit
        raise _refuse(
            _(
                "Không đọc được tệp CSV từ dòng %(line)d. Hãy mở tệp bằng Excel, lưu lại dạng CSV UTF-8 rồi thử lại.",
                line=reader.line_num,
            ),
            reader.line_num,
        ) from exc


def map_headers(header_row: list, spec: dict[str, tuple[str, ...]] = HEADERS) -> dict[str, int]:
    """Column index of each known column, recognising the header spellings in `spec`."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header_row):
        folded = fold(str(cell or ""))
        for key, spellings in spec.items():
            if folded in spellings and key not in columns:
                columns[key] = index
    return columns


@dataclass
class Table:
    """An uploaded list: where its known columns are, the line of its header, and its
    non-blank rows with the line number the spreadsheet shows for each."""

    columns: dict[str, int]
    header_line: int
    rows: list[tuple[int, list]]

    def cell(self, row: list, key: str):
        """The row's value in column `key`, or None where the file has no such column or cell."""
        index = self.columns.get(key)
        return row[index] if index is not None and index < len(row) else None


#: how far down a sheet its header row is looked for (title lines, a date, blank rows above it)
HEADER_SEARCH_ROWS = 20
#: the first cell of the template's example row begins with this (folded); such rows are skipped
EXAMPLE_MARK = "vi du"


def read_table(filename: str, content: bytes, spec: dict[str, tuple[str, ...]] = HEADERS) -> Table:
    """read_rows, then the header mapped with `spec` and the rows below it that are neither
    blank nor the template's example, at most MAX_ROWS. The header is the first of the top
    rows that names two known columns, so a list with its office's title lines and a blank
    row above the header is read as it is written (else the first non-blank row); the lines
    above it still count in the line numbers people see.

    :raises ImportRejected: the file cannot be read, holds nothing, or has too many rows.
    """
    rows = read_rows(filename, content)
    filled = [index for index, row in enumerate(rows) if not _blank(row)]
    if not filled:
        raise ImportRejected([RowError(0, _("Tệp không có dữ liệu."))])
    header = next(
        (index for index in filled[:HEADER_SEARCH_ROWS] if len(map_headers(rows[index], spec)) >= 2), filled[0]
    )
    body = rows[header + 1 :]
    if len(body) > MAX_ROWS:
        raise ImportRejected(
            [RowError(0, _("Tệp có %(n)d dòng; mỗi lần nhập tối đa %(max)d dòng.", n=len(body), max=MAX_ROWS))]
        )
    return Table(
        map_headers(rows[header], spec),
        header + 1,
        [(header + offset + 2, row) for offset, row in enumerate(body) if not _blank(row) and not _example(row)],
    )


def _example(row: list) -> bool:
    """Whether a row is the template's example ("Ví dụ: Nguyễn Thị Hương", …)."""
    first = next((c for c in row if c is not None and clean(str(c))), "")
    return fold(str(first)).startswith(EXAMPLE_MARK)


def _blank(row: list) -> bool:
    return all(clean(str(c if c is not None else "")) == "" for c in row)


def parse_date(value) -> date:
    """A date from an Excel date cell or dd/mm/yyyy text. :raises ValueError: with the reason."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE_TEXT.match(clean(str(value or "")))
    if not match:
        raise ValueError(_("Ngày sinh phải theo dạng dd/mm/yyyy"))
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(_("Ngày sinh %(value)s không có thật", value=clean(str(value)))) from exc


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


def commune_key(name: str) -> str:
    """A commune name as typed in a spreadsheet, reduced for matching ("Xã Đồng Kỳ" → "dong ky")."""
    return _COMMUNE_PREFIX.sub("", fold(name))


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

    commune_list = communes_of(unit_id)
    communes: dict[str, list] = {}
    for commune in commune_list:
        communes.setdefault(commune_key(commune.name), []).append(commune)
    groups = _group_spellings()
    # Who is already there, asked once for the whole file rather than once a row.
    existing = identities_in([c.id for c in commune_list])

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
            problems.append(_("Không có xã/phường “%(name)s” trong huyện", name=commune_name))
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
        db.session.get(Unit, unit_id),
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
