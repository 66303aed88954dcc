"""Reading an uploaded list of people (XLSX or CSV): its rows, within limits that keep any file
to a few megabytes of a worker's memory; its header found and mapped; and the cells the trainee
import and the enrolment import both read (dates of birth, commune names)."""

import codecs
import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_decimal
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ..errors import DomainError
from ..vietnamese import clean, fold

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
            [
                RowError(
                    0,
                    _(
                        "Tệp có %(n)s dòng; mỗi lần nhập tối đa %(max)s dòng.",
                        n=format_decimal(len(body)),
                        max=format_decimal(MAX_ROWS),
                    ),
                )
            ]
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


def commune_key(name: str) -> str:
    """A commune name as typed in a spreadsheet, reduced for matching ("Xã Đồng Kỳ" → "dong ky")."""
    return _COMMUNE_PREFIX.sub("", fold(name))
