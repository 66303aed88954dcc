"""Every figure of the district and province reports, checked against counts computed here,
in plain Python, from the specs the fixture was built from (tests/reports/conftest.py), and
never by calling the report's own code. The same figures are read back from the page, the
XLSX and the PDF.
"""

import io
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import insert, select

from tests.queries import statements_sent
from training.attendance.models import Attendance
from training.certificates.models import Assessment, Certificate
from training.courses.models import CourseSession, Enrolment
from training.extensions import db
from training.pdf.words import in_text
from training.people import GROUP_LABELS, GROUP_SHORT_LABELS
from training.people.models import Trainee
from training.units.models import Unit
from training.vietnamese import fold, name_sort_key

from .conftest import CB, FORMULA_COMMUNE, NOW_LOCAL, PM, YEAR, World

ROOT = Path(__file__).resolve().parents[2]
GROUPS = (CB, PM)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the programmes, read straight from their files ------------------------------------------


def _programmes() -> dict[str, dict]:
    programmes = {}
    for path in sorted((ROOT / "curricula").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        periods = sum(m["theory_periods"] + m.get("practice_periods", 0) for m in data["modules"])
        programmes[data["code"]] = {"title": data["title"], "periods": periods, **data["completion"]}
    return programmes


PROGRAMMES = _programmes()


# --- the expected figures, from the specs ----------------------------------------------------


@dataclass
class Figures:
    courses: set = field(default_factory=set)
    trainees: set = field(default_factory=set)
    enrolments: int = 0
    attended: int = 0
    scheduled: int = 0
    #: the people with a completed enrolment: a person completing two courses of a row counts once
    completions: set = field(default_factory=set)
    issued: int = 0
    valid: int = 0
    revoked: int = 0


@dataclass
class Expected:
    #: (table, key) → [courses, sessions, trainees, enrolments, rate, completions, issued, valid, revoked];
    #: table is total | programme | group | district | commune
    rows: dict
    #: district key → group → sorted names of communes with nobody of that group trained
    uncovered: dict
    #: district key → number of its communes
    commune_counts: dict

    def row(self, table: str, key=None) -> list:
        return self.rows.get((table, key), [0, 0, 0, 0, None, 0, 0, 0, 0])


def expected(world: World, start: date, end: date, district: str | None = None) -> Expected:
    """The report's figures for [start, end], by the definitions in the report's docstring,
    counted over the specs."""
    now = NOW_LOCAL
    districts = [district] if district else list(world.districts)
    held = [
        c
        for c in world.course_specs
        if c.status in ("running", "closed") and c.days[0] <= end and c.days[-1] >= start and c.district in districts
    ]
    held_sessions = {
        c.key: [i for i, day in enumerate(c.days) if start <= day <= end and datetime.combine(day, c.hours[0]) <= now]
        for c in held
    }
    figures: dict = {}

    def tallies(*keys):
        return [figures.setdefault(key, Figures()) for key in keys]

    for course in held:
        for tally in tallies(("total", None), ("programme", course.programme), ("district", course.district)):
            tally.courses.add(course.key)
        programme = PROGRAMMES[course.programme]
        for trainee in course.enrolled:
            if trainee in course.withdrawn:
                continue
            _name, commune, group = world.trainee_specs[trainee]
            marks = course.attendance.get(trainee, ())
            attended_in_period = sum(
                course.periods for i in held_sessions[course.key] if marks and marks[i] in ("present", "late")
            )
            attended_overall = sum(course.periods for m in marks if m in ("present", "late"))
            excused = sum(course.periods for m in marks if m == "excused") if programme["excused_counts"] else 0
            share = min(attended_overall + excused, programme["periods"]) / programme["periods"]
            score = course.scores.get(trainee)
            completed = (
                course.status == "closed"
                and share >= programme["min_attendance"]
                and (not programme["assessment_required"] or (score is not None and score >= programme["pass_mark"]))
            )
            for tally in tallies(
                ("total", None),
                ("programme", course.programme),
                ("group", group),
                ("district", world.communes[commune]),
                ("commune", commune),
            ):
                tally.courses.add(course.key)
                tally.trainees.add(trainee)
                tally.enrolments += 1
                tally.attended += attended_in_period
                tally.scheduled += len(held_sessions[course.key]) * course.periods
                if completed:
                    tally.completions.add(trainee)
    courses = {c.key: c for c in world.course_specs}
    for cert in world.certificate_specs:
        course = courses[cert.course]
        if cert.copy or course.district not in districts:
            continue
        _name, commune, group = world.trainee_specs[cert.trainee]
        for tally in tallies(
            ("total", None),
            ("programme", course.programme),
            ("group", group),
            ("district", world.communes[commune]),
            ("commune", commune),
        ):
            tally.issued += start <= cert.issued_on <= end
            tally.valid += start <= cert.issued_on <= end and cert.revoked_on is None
            tally.revoked += cert.revoked_on is not None and start <= cert.revoked_on <= end

    rows = {}
    for key, t in figures.items():
        sessions = sum(len(held_sessions[c]) for c in t.courses)
        rate = t.attended / t.scheduled if t.scheduled else None
        rows[key] = [
            len(t.courses),
            sessions,
            len(t.trainees),
            t.enrolments,
            rate,
            len(t.completions),
            t.issued,
            t.valid,
            t.revoked,
        ]
    trained = {
        (commune, group)
        for (table, commune), t in figures.items()
        if table == "commune"
        for group in GROUPS
        if any(world.trainee_specs[k][2] == group for k in t.trainees)
    }
    uncovered = {
        d_: {g: sorted(c for c, dk in world.communes.items() if dk == d_ and (c, g) not in trained) for g in GROUPS}
        for d_ in districts
    }
    counts = {d_: sum(1 for dk in world.communes.values() if dk == d_) for d_ in districts}
    return Expected(rows, uncovered, counts)


def as_text(values: list) -> list[str]:
    """Figures as the page prints them: a share with the decimal comma and no ",0"."""
    return [("—" if v is None else _percent(v)) if i == 4 else str(v) for i, v in enumerate(values)]


def pdf_as_text(values: list) -> list[str]:
    """Figures as the report's paper prints them: one decimal, with the comma ("93,9%", "100,0%")."""
    return [
        ("—" if v is None else f"{v * 100:.1f}%".replace(".", ",")) if i == 4 else str(v) for i, v in enumerate(values)
    ]


def _percent(share: float) -> str:
    text = f"{round(share * 100, 1):.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


# --- reading the page ------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Rows of every table with an id: each row a list of (text, attributes) per cell."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = ["", attrs]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append((" ".join(self._cell[0].split()), self._cell[1]))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data


def page_tables(html: str) -> dict[str, list]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def body_rows(table: list) -> dict[str, list[str]]:
    """label → cell texts of a report table, skipping the header and district group rows."""
    rows = {}
    for row in table[1:]:
        if len(row) == 1:
            continue
        label = row[0][0]
        assert label not in rows, f"two rows labelled {label!r}"
        rows[label] = [text for text, _attrs in row[1:]]
    return rows


def get_ok(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def check_page(html: str, world: World, want: Expected, kind: str) -> None:
    """Every table of the report page against the expected figures."""
    tables = page_tables(html)
    assert body_rows(tables["summary"]) == {"Tổng cộng": as_text(want.row("total"))}

    programmes = {label.split(".", 1)[0]: cells for label, cells in body_rows(tables["by-programme"]).items()}
    assert programmes == {code: as_text(want.row("programme", code)) for code in PROGRAMMES}

    groups = body_rows(tables["by-group"])
    assert groups == {str(GROUP_LABELS[g]): as_text(want.row("group", g)) for g in GROUPS}

    districts = list(want.commune_counts)
    if kind == "province" and len(districts) > 1:  # one unit (today's map): its row would be the total
        assert body_rows(tables["by-unit"]) == {world.districts[k]: as_text(want.row("district", k)) for k in districts}
    else:
        assert "by-unit" not in tables

    communes = {name for name, key in world.communes.items() if key in districts}
    assert body_rows(tables["by-commune"]) == {name: as_text(want.row("commune", name)) for name in communes}

    coverage = {}
    for row in tables["coverage"][1:]:
        (name, _a), (count, _b), *missing = row
        coverage[name] = (
            int(count),
            {
                g: (int(text), sorted(filter(None, attrs["title"].split(", "))))
                for g, (text, attrs) in zip(GROUPS, missing)
            },
        )
    assert coverage == {
        world.districts[k]: (
            want.commune_counts[k],
            {g: (len(want.uncovered[k][g]), want.uncovered[k][g]) for g in GROUPS},
        )
        for k in districts
    }


# --- the figures, by hand, for the fixture as written ----------------------------------------


def test_the_fixture_totals_counted_by_hand(world):
    """A check on the checker: the fixture's 2025 totals, counted on paper from the specs."""
    want = expected(world, date(2025, 1, 1), date(2025, 12, 31))
    # held courses A1, A2, A6, B1, B2; sessions 3 + 1 (the other is after "now") + 4 + 4 + 1 (the
    # other is in 2024); people a1 a2 a3 a4 b1 b2 b3 in 9 enrolments; 136 of 164 periods;
    # completions a1 in A1, b1 in B1, b2 in B2; issued A1/a1, B1/b1, B2/b2 (not the copy, not
    # A4's from 2024), of which A1/a1 and B2/b2 are still valid; revoked A4/a1 and B1/b1
    assert want.row("total") == [5, 13, 7, 9, 136 / 164, 3, 3, 2, 2]
    assert want.uncovered["A"] == {CB: ["Thị trấn Phồn Xương"], PM: ["Xã Hồng Kỳ"]}
    assert want.uncovered["B"] == {
        CB: [FORMULA_COMMUNE, "Xã Liên Sơn"],
        PM: [FORMULA_COMMUNE, "Xã Liên Sơn", "Xã Ngọc Thiện"],
    }


# --- the page ---------------------------------------------------------------------------------


def test_province_report_shows_every_figure(world, login):
    html = get_ok(login(world.users["admin"]), f"/reports/province?year={YEAR}").get_data(as_text=True)
    check_page(html, world, expected(world, date(2025, 1, 1), date(2025, 12, 31)), "province")
    assert "Từ 01/01/2025 đến 31/12/2025" in html


@pytest.mark.parametrize("district", ["A", "B"])
def test_district_report_shows_every_figure(world, login, district):
    url = f"/reports/district?unit={world.unit_ids[district]}&year={YEAR}"
    html = get_ok(login(world.users["admin"]), url).get_data(as_text=True)
    want = expected(world, date(2025, 1, 1), date(2025, 12, 31), district)
    check_page(html, world, want, "district")
    # under the coverage table, the uncovered communes by name, one line per group
    listed = {
        label: sorted(names.split(", "))
        for label, names in re.findall(r"<p><strong>([^<]+):</strong> ([^<]+)</p>", html)
    }
    assert listed == {
        str(GROUP_SHORT_LABELS[g]): want.uncovered[district][g] for g in GROUPS if want.uncovered[district][g]
    }


def test_this_calendar_year_by_default(world, login):
    client = login(world.users["admin"])
    html = get_ok(client, "/reports/province").get_data(as_text=True)
    check_page(html, world, expected(world, date(2025, 1, 1), date(2025, 12, 31)), "province")


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        ("year=2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("start=2025-01-01&end=2025-01-31", date(2025, 1, 1), date(2025, 1, 31)),
        ("start=2024-12-01&end=2025-03-31", date(2024, 12, 1), date(2025, 3, 31)),
        ("start=2025-03-04&end=2025-03-04", date(2025, 3, 4), date(2025, 3, 4)),
    ],
)
def test_other_periods(world, login, query, start, end):
    client = login(world.users["admin"])
    html = get_ok(client, f"/reports/province?{query}").get_data(as_text=True)
    check_page(html, world, expected(world, start, end), "province")
    assert f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}" in html
    html = get_ok(client, f"/reports/district?unit={world.unit_ids['A']}&{query}").get_data(as_text=True)
    check_page(html, world, expected(world, start, end, "A"), "district")


def test_two_level_hierarchy(flat_world, login):
    """Communes straight under the province: the province itself is the managing unit."""
    want = expected(flat_world, date(2025, 1, 1), date(2025, 12, 31))
    assert want.row("total") == [2, 4, 3, 3, 20 / 28, 1, 1, 1, 0]
    admin = login(flat_world.users["admin"])
    check_page(get_ok(admin, "/reports/province?year=2025").get_data(as_text=True), flat_world, want, "province")
    trainer = login(flat_world.users["trainer.P"])
    html = get_ok(trainer, "/reports/district?year=2025").get_data(as_text=True)
    check_page(html, flat_world, expected(flat_world, date(2025, 1, 1), date(2025, 12, 31), "P"), "district")
    assert "Tỉnh Thử Nghiệm" in html


# --- XLSX --------------------------------------------------------------------------------------


def _workbook(response):
    assert response.mimetype == XLSX_TYPE
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def _sheet_rows(sheet) -> dict[str, list]:
    """label → figures of a sheet's data rows (under the paper's heading and the column
    headings of row 7, down to the first empty row), checking that the figures are numbers:
    counts as int, the rate as a float shown as a percentage."""
    rows = {}
    assert sheet["A7"].value == "Đơn vị"
    for cells in sheet.iter_rows(min_row=8):
        label = cells[0]
        if label.value is None:
            break
        assert label.data_type == "s", f"{sheet.title}!{label.coordinate} is not text"
        values = []
        for cell in cells[1:]:
            if cell.column_letter == "F":
                # a share: a float (a whole 0 or 1 is stored as "0"/"1" and reads back as int)
                assert cell.value is None or type(cell.value) is float or cell.value in (0, 1), cell.coordinate
                assert type(cell.value) is not bool
                assert "%" in cell.number_format, cell.coordinate
            else:
                assert type(cell.value) is int, f"{sheet.title}!{cell.coordinate} = {cell.value!r}"
            values.append(cell.value)
        rows[label.value] = values
    return rows


def _same(got: list, want: list) -> bool:
    return len(got) == len(want) and all(
        g == pytest.approx(w) if isinstance(w, float) else g == w for g, w in zip(got, want)
    )


def check_workbook(workbook, world: World, want: Expected, kind: str) -> None:
    districts = list(want.commune_counts)
    several = kind == "province" and len(districts) > 1  # one unit (today's map): no row repeating the total
    names = (
        ["Tổng hợp", "Theo chương trình", "Theo nhóm đối tượng"]
        + (["Theo huyện"] if several else [])
        + ["Theo xã, phường", "Xã chưa có người được bồi dưỡng"[:31]]
    )
    assert workbook.sheetnames == names + ["Biểu đồ"]

    def compare(sheet, expected_rows: dict):
        got = _sheet_rows(workbook[sheet])
        assert set(got) == set(expected_rows), sheet
        for label, values in expected_rows.items():
            assert _same(got[label], values), (sheet, label, got[label], values)

    compare("Tổng hợp", {"Tổng cộng": want.row("total")})
    compare(
        "Theo chương trình", {f"{code}. {p['title']}": want.row("programme", code) for code, p in PROGRAMMES.items()}
    )
    compare("Theo nhóm đối tượng", {str(GROUP_LABELS[g]): want.row("group", g) for g in GROUPS})
    if several:
        compare("Theo huyện", {world.districts[k]: want.row("district", k) for k in districts})
    communes = {name: key for name, key in world.communes.items() if key in districts}
    label = (lambda name: f"{name} ({in_text(world.districts[communes[name]])})") if several else (lambda name: name)
    compare("Theo xã, phường", {label(name): want.row("commune", name) for name in communes})

    coverage = {}
    for cells in workbook[names[-1]].iter_rows(min_row=8, values_only=True):
        name, count, *rest = cells
        assert type(count) is int and all(type(n) is int for n in rest[0::2])
        coverage[name] = [count] + [
            (n, sorted(filter(None, (names or "").split(", ")))) for n, names in zip(rest[0::2], rest[1::2])
        ]
    assert coverage == {
        world.districts[k]: [want.commune_counts[k]]
        + [(len(want.uncovered[k][g]), want.uncovered[k][g]) for g in GROUPS]
        for k in districts
    }


def test_province_xlsx_holds_the_same_figures(world, login):
    response = get_ok(login(world.users["admin"]), f"/reports/province?year={YEAR}&format=xlsx")
    assert "filename=bao-cao-tinh-bac-giang-2025.xlsx;" in response.headers["Content-Disposition"]
    check_workbook(_workbook(response), world, expected(world, date(2025, 1, 1), date(2025, 12, 31)), "province")


@pytest.mark.parametrize("district", ["A", "B"])
def test_district_xlsx_holds_the_same_figures(world, login, district):
    url = f"/reports/district?unit={world.unit_ids[district]}&start=2024-12-01&end=2025-06-30&format=xlsx"
    response = get_ok(login(world.users["admin"]), url)
    check_workbook(
        _workbook(response), world, expected(world, date(2024, 12, 1), date(2025, 6, 30), district), "district"
    )


def test_two_level_xlsx(flat_world, login):
    response = get_ok(login(flat_world.users["admin"]), "/reports/province?year=2025&format=xlsx")
    check_workbook(
        _workbook(response), flat_world, expected(flat_world, date(2025, 1, 1), date(2025, 12, 31)), "province"
    )


def test_xlsx_cells_that_look_like_formulas_stay_text(world, login):
    response = get_ok(login(world.users["admin"]), f"/reports/province?year={YEAR}&format=xlsx")
    workbook = _workbook(response)
    seen = 0
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str) and FORMULA_COMMUNE in cell.value:
                    seen += 1
    # the commune's row in "Theo xã, phường" and the coverage lists of both groups
    assert seen == 3
    (cell,) = [row[0] for row in workbook["Theo xã, phường"].iter_rows(min_row=8) if FORMULA_COMMUNE in row[0].value]
    # text, shown exactly as the commune is named, and marked so that Excel never evaluates it
    assert (
        cell.value == f"{FORMULA_COMMUNE} ({in_text(world.districts['B'])})"
        and cell.data_type == "s"
        and cell.quotePrefix
    )
    for prefix in ("+", "-", "@"):
        db.session.get(Unit, world.unit_ids[FORMULA_COMMUNE]).name = prefix + "1"
        db.session.commit()
        workbook = _workbook(get_ok(login(world.users["admin"]), f"/reports/province?year={YEAR}&format=xlsx"))
        (cell,) = [
            row[0] for row in workbook["Theo xã, phường"].iter_rows(min_row=8) if row[0].value.startswith(prefix)
        ]
        assert (
            cell.value == f"{prefix}1 ({in_text(world.districts['B'])})" and cell.data_type == "s" and cell.quotePrefix
        )


# --- PDF ----------------------------------------------------------------------------------------


def _pdf_text(response) -> str:
    assert response.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def _compact(text: str) -> str:
    return " ".join(text.split())


def test_province_pdf_holds_title_period_and_totals(world, login):
    text = _compact(_pdf_text(get_ok(login(world.users["admin"]), f"/reports/province?year={YEAR}&format=pdf")))
    assert "BÁO CÁO Kết quả bồi dưỡng cán bộ thông tin cơ sở toàn tỉnh năm 2025" in text
    assert "báo cáo kết quả bồi dưỡng từ 01/01/2025 đến 31/12/2025 như sau" in text  # the period, in running text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "UBND TỈNH BẮC GIANG" in text and "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" in text  # the issuing body, named
    assert "Số: ……/BC-SVHTTDL" in text and "Kính gửi: Ủy ban nhân dân tỉnh Bắc Giang." in text
    assert "Nơi nhận:" in text and "- Lưu: VT." in text and "GIÁM ĐỐC" in text
    assert "Phụ lục" in text and "BIỂU TỔNG HỢP KẾT QUẢ BỒI DƯỠNG" in text
    assert (
        "Tổng cộng " + " ".join(pdf_as_text(expected(world, date(2025, 1, 1), date(2025, 12, 31)).row("total"))) in text
    )


def test_district_pdf_holds_title_period_and_totals(world, login):
    url = f"/reports/district?unit={world.unit_ids['B']}&start=2025-01-01&end=2025-06-30&format=pdf"
    text = _compact(_pdf_text(get_ok(login(world.users["admin"]), url)))
    assert (
        "BÁO CÁO Kết quả bồi dưỡng cán bộ thông tin cơ sở "
        + in_text(world.districts["B"])
        + " từ 01/01/2025 đến 30/06/2025"
    ) in text
    assert f"UBND {world.districts['B'].upper()}" in text and "PHÒNG VĂN HÓA VÀ THÔNG TIN" in text
    assert f"Kính gửi: Ủy ban nhân dân {in_text(world.districts['B'])}." in text and "Nơi nhận:" in text
    assert (
        "Tổng cộng " + " ".join(pdf_as_text(expected(world, date(2025, 1, 1), date(2025, 6, 30), "B").row("total")))
        in text
    )


def test_pdf_prints_unit_names_holding_markup_characters(world, login):
    """Names are data: an & or < in a commune's name is printed, not read as PDF markup."""
    commune = db.session.get(Unit, world.unit_ids[next(iter(world.communes))])
    commune.name = "Xã Đông & Tây <mới>"
    db.session.commit()
    text = _compact(_pdf_text(get_ok(login(world.users["admin"]), f"/reports/province?year={YEAR}&format=pdf")))
    assert "Xã Đông & Tây <mới>" in text


def test_unknown_format_is_refused(world, login):
    client = login(world.users["admin"])
    assert client.get("/reports/province?format=csv").status_code == 400
    assert client.get(f"/reports/district?unit={world.unit_ids['A']}&format=docx").status_code == 400


# --- a fixed number of statements, whatever the size -------------------------------------------


def count_statements(client, url: str) -> int:
    db.session.remove()  # nothing cached from an earlier request: a real request starts afresh
    with statements_sent() as sent:
        get_ok(client, url)
    return len(sent)


def add_trainees(world: World, first: int, count: int) -> None:
    """Bulk-insert trainees `first`…`first + count - 1`, spread over every commune, each enrolled
    in the held course of their district and group, with attendance for every session, a
    score, and a certificate for every other one."""
    courses_by = {}
    for spec in world.course_specs:
        if spec.status == "closed" and spec.days[0].year == YEAR:
            programme_groups = {"CT1": CB, "CT2": CB, "CT3": PM, "CT4": PM}
            courses_by.setdefault((spec.district, programme_groups[spec.programme]), world.course_ids[spec.key])
    communes = sorted(world.communes)
    sessions = {
        cid: db.session.execute(
            select(CourseSession.id, CourseSession.starts_at).where(CourseSession.course_id == cid)
        ).all()
        for cid in set(courses_by.values())
    }
    trainee_rows = []
    for n in range(first, first + count):
        commune = communes[n % len(communes)]
        group = GROUPS[(n // len(communes)) % 2]
        if (world.communes[commune], group) not in courses_by:
            group = GROUPS[1 - GROUPS.index(group)]
        name = f"Nguyễn Văn Số {n}"
        trainee_rows.append(
            {
                "full_name": name,
                "name_key": name_sort_key(name),
                "name_folded": fold(name),
                "birth_date": date(1980, 1, 1),
                "gender": "male",
                "position": "",
                "phone": "",
                "commune_id": world.unit_ids[commune],
                "group": group,
                "personal_code": f"BULK{n:06d}",
            }
        )
    ids = db.session.scalars(insert(Trainee).returning(Trainee.id, sort_by_parameter_order=True), trainee_rows).all()
    enrolment_rows = []
    for trainee_id, row in zip(ids, trainee_rows):
        district = next(k for name, k in world.communes.items() if world.unit_ids[name] == row["commune_id"])
        enrolment_rows.append(
            {"course_id": courses_by[(district, row["group"])], "trainee_id": trainee_id, "status": "enrolled"}
        )
    enrolment_ids = db.session.scalars(
        insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True), enrolment_rows
    ).all()
    statuses = ("present", "late", "absent", "excused")
    attendance_rows, score_rows, certificate_rows = [], [], []
    for n, (enrolment_id, row) in enumerate(zip(enrolment_ids, enrolment_rows), start=first):
        for i, (session_id, starts_at) in enumerate(sessions[row["course_id"]]):
            attendance_rows.append(
                {
                    "session_id": session_id,
                    "trainee_id": row["trainee_id"],
                    "status": statuses[(n + i) % 4],
                    "method": "manual",
                    "checked_in_at": starts_at,
                }
            )
        score_rows.append({"enrolment_id": enrolment_id, "score": float(n % 11)})
        if n % 2:
            certificate_rows.append(
                {
                    "serial": f"999/2025/{n:05d}",
                    "copy_number": 0,
                    "verify_code": f"BULKVERIFY{n:08d}",
                    "enrolment_id": enrolment_id,
                    "issuing_unit_id": world.unit_ids["A"],
                    "issued_at": datetime(2025, 7, 1, 2, 0),
                    "holder_name": "x",
                    "programme": "x",
                    "course_code": "x",
                    "course_dates": "x",
                    "issuer_name": "x",
                    "pdf": b"",
                    "sha256": "",
                }
            )
    db.session.execute(insert(Attendance), attendance_rows)
    db.session.execute(insert(Assessment), score_rows)
    if certificate_rows:
        db.session.execute(insert(Certificate), certificate_rows)
    db.session.commit()


@pytest.mark.slow
def test_statements_do_not_grow_with_the_trainees(world, login):
    admin = login(world.users["admin"])
    trainer = login(world.users["trainer.A"])
    trainee_id = world.trainee_ids["a1"]
    urls = [
        (admin, f"/reports/province?year={YEAR}"),
        (admin, f"/reports/district?unit={world.unit_ids['B']}&year={YEAR}"),
        (trainer, f"/reports/district?year={YEAR}"),
        (admin, f"/reports/province?year={YEAR}&format=xlsx"),
        (admin, f"/reports/province?year={YEAR}&format=pdf"),
        (trainer, f"/trainees/{trainee_id}/record"),
    ]

    add_trainees(world, 0, 10 - len(world.trainee_specs))
    assert db.session.scalar(select(db.func.count()).select_from(Trainee)) == 10
    small = [count_statements(client, url) for client, url in urls]

    add_trainees(world, 10, 990)
    assert db.session.scalar(select(db.func.count()).select_from(Trainee)) == 1000
    large = [count_statements(client, url) for client, url in urls]
    print("statements with 10 and 1,000 trainees:", dict(zip([u for _c, u in urls], zip(small, large))))
    assert large == small
    # sanity: the thousand are really in the figures
    html = get_ok(admin, f"/reports/province?year={YEAR}").get_data(as_text=True)
    total = body_rows(page_tables(html)["summary"])["Tổng cộng"]
    assert int(total[2]) == 7 + 990 + 10 - len(world.trainee_specs)


# --- who may see what ------------------------------------------------------------------------


def _scope(html: str) -> str:
    start = html.index('<p class="report-title">')
    return html[start : html.index("</p>", start)]


def test_a_trainer_sees_only_their_own_district(world, login):
    trainer = login(world.users["trainer.A"])
    own = get_ok(trainer, f"/reports/district?year={YEAR}").get_data(as_text=True)
    assert world.districts["A"] in _scope(own)
    # another district's id in the query is ignored: still district A, with A's figures
    other = get_ok(trainer, f"/reports/district?unit={world.unit_ids['B']}&year={YEAR}").get_data(as_text=True)
    assert world.districts["A"] in _scope(other) and world.districts["B"] not in _scope(other)
    check_page(other, world, expected(world, date(2025, 1, 1), date(2025, 12, 31), "A"), "district")
    workbook = _workbook(get_ok(trainer, f"/reports/district?unit={world.unit_ids['B']}&year={YEAR}&format=xlsx"))
    assert in_text(world.districts["A"]) in workbook["Tổng hợp"]["A4"].value
    # no district chooser for a trainer
    assert 'name="unit"' not in own


def test_a_trainer_may_not_open_the_province_report(world, login):
    trainer = login(world.users["trainer.B"])
    for fmt in ("html", "xlsx", "pdf"):
        assert trainer.get(f"/reports/province?format={fmt}").status_code == 403


def test_a_trainee_account_sees_no_report(world, login):
    from tests.conftest import PASSWORD
    from training.people import services as people

    user = people.create_user("hoc.vien", PASSWORD, "Học Viên", "trainee")
    user.trainee_id = world.trainee_ids["a1"]
    db.session.commit()
    client = login(user)
    assert client.get("/reports/district").status_code == 403
    assert client.get("/reports/province").status_code == 403


def test_the_admin_chooses_the_district(world, login):
    admin = login(world.users["admin"])
    html = get_ok(admin, f"/reports/district?unit={world.unit_ids['B']}&year={YEAR}").get_data(as_text=True)
    assert world.districts["B"] in _scope(html)
    assert f'<option value="u{world.unit_ids["B"]}" selected>' in html
    # without a choice, the first area with communes: the live map's units before the old map's, each by name
    first = min(world.districts.values())
    assert first in _scope(get_ok(admin, f"/reports/district?year={YEAR}").get_data(as_text=True))


def test_a_district_report_of_something_that_is_not_a_district(world, login):
    admin = login(world.users["admin"])
    assert admin.get(f"/reports/district?unit={world.unit_ids['Xã Cao Xá']}").status_code == 404
    assert admin.get("/reports/district?unit=987654").status_code == 404


# --- a trainee's record ------------------------------------------------------------------------


def test_trainee_record_lists_every_course(world, login):
    trainee = world.trainee_ids["a1"]
    html = get_ok(login(world.users["trainer.A"]), f"/trainees/{trainee}/record").get_data(as_text=True)
    rows = body_rows(page_tables(html)["record"])
    specs = {c.key: c for c in world.course_specs if "a1" in c.enrolled}
    assert len(rows) == len(specs) == 3
    by_course = {}
    for _index, cells in rows.items():
        course_cell = cells[0]
        key = next(k for k in specs if course_cell.endswith(_course_code(world, k)))
        by_course[key] = cells
    for key, spec in specs.items():
        _course, _dates, attended, score, result, certs = by_course[key]
        periods = sum(spec.periods for m in spec.attendance["a1"] if m in ("present", "late"))
        share = periods / PROGRAMMES[spec.programme]["periods"]
        assert attended == f"{periods} tiết ({share * 100:.0f}%)"
        assert score == (f"{spec.scores['a1']:g}" if "a1" in spec.scores else "—")
        for cert in world.certificate_specs:
            if (cert.course, cert.trainee) == (key, "a1"):
                assert world.certificates[(key, "a1", cert.copy)].serial in certs
        assert ("bản sao" in certs) == any(c.copy for c in world.certificate_specs if c.course == key)
        assert ("đã thu hồi" in certs) == any(
            c.revoked_on for c in world.certificate_specs if c.course == key and c.trainee == "a1"
        )
    assert by_course["A1"][4] == "Hoàn thành" and by_course["A6"][4] == "Chưa hoàn thành"
    # newest first
    assert [next(k for k in specs if cells[0].endswith(_course_code(world, k))) for cells in rows.values()] == [
        "A6",
        "A1",
        "A4",
    ]


def _course_code(world: World, key: str) -> str:
    from training.courses.models import Course

    return db.session.get(Course, world.course_ids[key]).code


def test_trainee_record_statements_do_not_grow_with_the_courses(world, login):
    client = login(world.users["admin"])
    one, three = (count_statements(client, f"/trainees/{world.trainee_ids[key]}/record") for key in ("b2", "a1"))
    assert [sum(1 for c in world.course_specs if key in c.enrolled) for key in ("b2", "a1")] == [1, 3]
    assert one == three


def test_trainee_record_shows_withdrawal(world, login):
    html = get_ok(login(world.users["admin"]), f"/trainees/{world.trainee_ids['a5']}/record").get_data(as_text=True)
    rows = list(body_rows(page_tables(html)["record"]).values())
    # the course not begun says so (it was a bare dash)
    assert [cells[4] for cells in rows] == ["Chưa bắt đầu", "Rút tên"]


def test_trainee_record_of_another_district(world, login):
    assert login(world.users["trainer.B"]).get(f"/trainees/{world.trainee_ids['a1']}/record").status_code == 403
    assert login(world.users["trainer.A"]).get(f"/trainees/{world.trainee_ids['b1']}/record").status_code == 403
    assert login(world.users["trainer.B"]).get("/trainees/987654/record").status_code == 404


def test_the_report_is_a_serif_paper_numbered_from_page_two_with_the_decimal_comma(world, login):
    import subprocess

    data = get_ok(login(world.users["admin"]), f"/reports/province?year={YEAR}&format=pdf").data
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert "NotoSerif-Regular" in fonts and "NotoSerif-Bold" in fonts and "NotoSerif-BoldItalic" in fonts  # Nơi nhận
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2
    assert pages[0].strip().splitlines()[0].strip().startswith("UBND")
    assert pages[1].strip().splitlines()[0].strip() == "2"
    first = " ".join(pages[0].split())
    # The letter: addressee, the key figures in words, "Nơi nhận" beside the signer, on page 1.
    assert "Kính gửi: Ủy ban nhân dân tỉnh Bắc Giang." in first and "Nơi nhận:" in first and "GIÁM ĐỐC" in first
    rate = expected(world, date(2025, 1, 1), date(2025, 12, 31)).row("total")[4]
    assert f"tỷ lệ tham dự {rate * 100:.1f}%".replace(".", ",") in first
    assert re.search(r"\d+,\d%", " ".join(pages[1].split()))
    # The annex: its title, the column words of a report, communes as "xã (huyện …)".
    annex = " ".join(" ".join(pages[1:]).split())
    headings = " ".join(
        _pdf_text(get_ok(login(world.users["admin"]), f"/reports/province?year={YEAR}&format=pdf")).split()
    )
    assert "Phụ lục" in annex and "Theo xã, phường" in annex
    assert "Số lớp" in headings and "Lượt người" in headings and "Xã chưa có người được bồi dưỡng" in headings
    assert "Khóa học" not in annex and "Lượt học viên" not in annex and "Độ bao phủ" not in annex
    assert "(huyện " in annex and "(Huyện " not in annex
