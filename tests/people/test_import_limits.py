"""Uploaded lists are read as a stream and stopped at limits (lines, columns, filled cells,
uncompressed size) in bounded memory, with a message that says what is wrong; also the
files that used to get a misleading "missing column": UTF-16 CSV, formulas without values."""

import io
import tracemalloc
import zipfile
import zlib

import pytest
from openpyxl import Workbook

from training.people import list_reader
from training.people.importer import import_trainees
from training.people.list_reader import MAX_COLUMNS, MAX_LINES, ImportRejected

HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Xã/phường", "Nhóm", "Điện thoại"]
#: what reading one file may allocate at its peak (the old importer took ~500 MB for these)
MEMORY_BUDGET = 40 * 2**20


class RepeatingCompressor:
    """Deflates a chunk once and repeats its bytes for every write of the same chunk (a full
    flush after it makes each copy stand alone): a gigabyte of rows is packed in a second."""

    def __init__(self, chunk: bytes):
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.chunk, self.packed = chunk, self._deflate.compress(chunk) + self._deflate.flush(zlib.Z_FULL_FLUSH)

    def compress(self, data: bytes) -> bytes:
        if data == self.chunk:
            return self.packed
        return self._deflate.compress(data) + self._deflate.flush(zlib.Z_FULL_FLUSH)

    def flush(self) -> bytes:
        return self._deflate.flush()


def xlsx_package(sheet_xml_chunks, dimension: str | None = None, repeated: bytes | None = None) -> bytes:
    """A minimal .xlsx whose first sheet's XML is written from `sheet_xml_chunks` (so that a
    large sheet is never held whole by the test either); chunks equal to `repeated` are
    deflated once."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                "</Types>"
            ),
        )
        package.writestr(
            "_rels/.rels",
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                'Target="xl/workbook.xml"/>'
                "</Relationships>"
            ),
        )
        package.writestr(
            "xl/workbook.xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?><workbook '
                'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="Hoc vien" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                'Target="worksheets/sheet1.xml"/>'
                "</Relationships>"
            ),
        )
        with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            if repeated is not None:
                sheet._compressor = RepeatingCompressor(repeated)
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for chunk in sheet_xml_chunks:
                sheet.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def text_cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row_xml(number: int, values: list[str], extra: str = "") -> str:
    cells = "".join(text_cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}{extra}</row>'


def far_column_rows(rows: int = 4000):
    yield row_xml(1, HEADER)
    for n in range(2, rows + 2):
        yield row_xml(
            n, [f"Nguyễn Văn Thử {n}", "15/03/1985", "Nam", "", "Xã Đồng Kỳ", "1", ""], text_cell(f"XFD{n}", "x")
        )


def read_measured(content: bytes, filename: str, unit_id: int):
    """Import `content`; what was refused and the peak of memory allocated meanwhile."""
    tracemalloc.start()
    try:
        try:
            import_trainees(filename, content, unit_id)
        except ImportRejected as rejected:
            refused = rejected.errors
        else:
            refused = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return refused, peak


def test_four_thousand_rows_with_a_cell_in_column_xfd_are_refused_in_bounded_memory(units, in_request):
    content = xlsx_package(far_column_rows())
    assert len(content) < 200_000
    refused, peak = read_measured(content, "danh-sach.xlsx", units["A"].id)
    assert peak < MEMORY_BUDGET, f"{peak / 2**20:.0f} MB"
    assert refused and "cột XFD" in refused[0].message and f"tối đa {MAX_COLUMNS} cột" in refused[0].message


def test_a_sheet_that_states_its_far_column_is_refused_before_reading(units, in_request):
    content = xlsx_package(far_column_rows(10), dimension="A1:XFD11")
    with pytest.raises(ImportRejected) as refused:
        import_trainees("danh-sach.xlsx", content, units["A"].id)
    assert "đến cột XFD" in refused.value.errors[0].message


def deflate_bomb() -> bytes:
    """About 1.5 MB that opens to a gigabyte: 175 million empty rows."""
    chunk = b"<row/>" * (2**20 // 6)
    return xlsx_package((chunk for _ in range(1000)), repeated=chunk)


def test_a_deflate_bomb_is_refused_before_it_is_opened(units, in_request):
    content = deflate_bomb()
    assert len(content) < 2 * 2**20
    refused, peak = read_measured(content, "bom.xlsx", units["A"].id)
    assert peak < MEMORY_BUDGET, f"{peak / 2**20:.0f} MB"
    assert refused and "quá lớn khi giải nén" in refused[0].message


def test_too_many_lines_are_refused_while_reading(units, in_request):
    content = ("Họ và tên,Ngày sinh\n" + "\n" * (MAX_LINES + 10)).encode()
    with pytest.raises(ImportRejected) as refused:
        import_trainees("danh-sach.csv", content, units["A"].id)
    assert f"hơn {MAX_LINES} dòng" in refused.value.errors[0].message


def test_a_csv_row_wider_than_the_limit_is_refused(units, in_request):
    content = (",".join(HEADER) + "\n" + "Nguyễn Văn A,15/03/1985,Nam,,Xã Đồng Kỳ,1," + "," * 40 + "thừa\n").encode()
    with pytest.raises(ImportRejected) as refused:
        import_trainees("danh-sach.csv", content, units["A"].id)
    assert refused.value.errors[0].line == 2 and "cột AU" in refused.value.errors[0].message


def test_too_many_filled_cells_are_refused(units, in_request, monkeypatch):
    monkeypatch.setattr(list_reader, "MAX_CELLS", 50)
    content = (",".join(HEADER) + "\n" + "Nguyễn Văn A,15/03/1985,Nam,,Xã Đồng Kỳ,1,\n" * 10).encode()
    with pytest.raises(ImportRejected) as refused:
        import_trainees("danh-sach.csv", content, units["A"].id)
    assert "hơn 50 ô có dữ liệu" in refused.value.errors[0].message


def test_a_utf16_csv_is_named_as_such(units, in_request):
    content = (",".join(HEADER) + "\nNguyễn Văn A,15/03/1985,Nam,,Xã Đồng Kỳ,1,\n").encode("utf-16")
    with pytest.raises(ImportRejected) as refused:
        import_trainees("danh-sach.csv", content, units["A"].id)
    message = refused.value.errors[0].message
    assert "UTF-16" in message and "CSV UTF-8" in message and "Thiếu cột" not in message


def test_formulas_saved_without_their_values_are_named(units, in_request):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["Nguyễn Văn A", "=DATE(1985,3,15)", "Nam", "", "Xã Đồng Kỳ", "1", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)  # openpyxl writes formulas without a computed value, as scripts do
    with pytest.raises(ImportRejected) as refused:
        import_trainees("danh-sach.xlsx", buffer.getvalue(), units["A"].id)
    message = refused.value.errors[0].message
    assert "Ô B2 là công thức chưa có giá trị" in message and "=DATE(1985,3,15)" in message


def test_a_list_within_the_limits_still_imports(units, in_request):
    rows = [row_xml(1, HEADER)] + [
        row_xml(n, [f"Trần Thị Đủ {n}", "15/03/1985", "Nữ", "", "Xã Đồng Kỳ", "1", ""]) for n in range(2, 5)
    ]
    created = import_trainees("danh-sach.xlsx", xlsx_package(rows, dimension="A1:G4"), units["A"].id)
    assert [t.full_name for t in created] == ["Trần Thị Đủ 2", "Trần Thị Đủ 3", "Trần Thị Đủ 4"]


def test_a_utf16_csv_without_its_byte_order_mark_is_named_too(units, in_request):
    content = (",".join(HEADER) + "\nNguyen Van A,15/03/1985,Nam,,Xa Dong Ky,1,\n").encode("utf-16-le")
    with pytest.raises(ImportRejected) as refused:
        import_trainees("danh-sach.csv", content, units["A"].id)
    assert "UTF-16" in refused.value.errors[0].message
