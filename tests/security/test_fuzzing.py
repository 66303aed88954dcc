"""Fuzzing with Hypothesis (and Schemathesis for the scanner API): whatever arrives, the
importers take every row or none and name the bad lines, token and code parsing only ever
refuse, search answers, spreadsheet exports never turn text into formulas, and the API never
answers 5xx.

Example counts are modest so the file stays fast; the generators lean towards the inputs that
matter (plausible cells mixed with junk) rather than pure noise.
"""

import csv
import io
import string
import unicodedata
from datetime import date, datetime
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.helpers import count, vietnamese_number
from training.attendance import qr, sheet, sheet_xlsx
from training.certificates.verification import verify_by_code
from training.courses.enrolment import enrol_many, import_enrolments
from training.courses.models import Enrolment
from training.extensions import db
from training.people.importer import TEMPLATE_HEADERS, import_trainees
from training.people.list_reader import MAX_ROWS, ImportRejected
from training.people.models import CODE_ALPHABET, Trainee
from training.reports import counting, exports_xlsx
from training.reports.figures import Period
from training.units.models import Unit

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

# --- generators ---------------------------------------------------------------------------------

#: any text a spreadsheet or a browser could carry, control characters and NUL included
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
PLAUSIBLE = [
    "Xã Đồng Kỳ",
    "Đồng Kỳ",
    "xa dong ky",
    "Thị trấn Phồn Xương",
    "Xã Cao Xá",
    "Nam",
    "Nữ",
    "nu",
    "1",
    "2",
    "Đài truyền thanh",
    "15/03/1985",
    "31/02/1990",
    "1985-03-15",
    "0912345678",
    "+84 912 345 678",
    "912345678",
    "Nguyễn Thị Hoa",
    "Công chức Văn hóa - Xã hội",
    " ",
    "=1+1",
    "@SUM(A1)",
    "-",
    "\x00",
    "\ufeff",
    "A" * 300,
]
cells = st.one_of(
    st.none(),
    any_text,
    st.sampled_from(PLAUSIBLE),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
)
headers = st.one_of(
    st.just(TEMPLATE_HEADERS),
    st.permutations(TEMPLATE_HEADERS),
    st.lists(st.sampled_from(TEMPLATE_HEADERS + ["", "Ghi chú", "Mã cá nhân", "HỌ VÀ TÊN"]), max_size=9),
    st.lists(cells, max_size=9),
)
ENCODINGS = ["utf-8", "utf-8-sig", "cp1258", "utf-16", "latin-1"]
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: shaped letters precomposed, tones combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        out.append(
            unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            + "".join(c for c in parts if c in _TONES)
        )
    return "".join(out).encode("cp1258", errors="replace")


def encode(text: str, encoding: str) -> bytes:
    return cp1258(text) if encoding == "cp1258" else text.encode(encoding, errors="replace")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    sheet_ = book.active
    for row in rows:
        sheet_.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(rows: list[list], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if c is None else c.strftime("%d/%m/%Y") if isinstance(c, date) else c for c in row])
    return buffer.getvalue()


@st.composite
def upload(draw, header_strategy=headers):
    """(filename, content, number of rows written) of a random import file."""
    rows = [draw(header_strategy)] + draw(st.lists(st.lists(cells, max_size=9), max_size=8))
    rows = [[None] * draw(st.integers(0, 2))] * draw(st.integers(0, 2)) + rows  # blank lines on top
    kind = draw(st.sampled_from(["xlsx", "csv", "csv", "bytes"]))
    if kind == "xlsx":
        return "danh-sach.xlsx", xlsx_bytes(rows), len(rows)
    if kind == "csv":
        text = csv_text(rows, draw(st.sampled_from([",", ";", "\t"])))
        return "danh-sach.csv", encode(text, draw(st.sampled_from(ENCODINGS))), len(rows)
    return (
        draw(st.sampled_from(["danh-sach.csv", "danh-sach.xlsx", "danh-sach.txt", "DANH-SACH.CSV"])),
        draw(st.binary(max_size=3000)),
        0,
    )


def assert_refused_well(rejected: ImportRejected, max_line: int) -> None:
    """Every reason says which line (0: the file as a whole) and what is wrong, once per line."""
    assert rejected.errors, "refused without a reason"
    lines = [error.line for error in rejected.errors]
    assert all(isinstance(line, int) and 0 <= line <= max_line for line in lines), lines
    assert lines == sorted(set(lines)), "one reason per line, in file order"
    assert all(str(error.message).strip() for error in rejected.errors)


def assert_all_or_nothing(app, run_import, model, rows: int) -> None:
    """An import of a file of `rows` rows either adds one `model` row per row it reports, or
    is refused well (assert_refused_well) having added none; rolled back either way."""
    before = count(model)
    with app.test_request_context():
        try:
            added = run_import()
        except ImportRejected as rejected:
            assert_refused_well(rejected, max(rows, 1) + 1)
            assert count(model) == before, "a refused file wrote rows"
        else:
            assert added and count(model) == before + len(added)
        finally:
            db.session.rollback()


# --- the trainee importer -----------------------------------------------------------------------


@FUZZ
@given(file=upload())
def test_trainee_import_takes_all_rows_or_none(app, units, file):
    filename, content, rows = file
    assert_all_or_nothing(app, lambda: import_trainees(filename, content, units["A"].id), Trainee, rows)


COMMUNES_A = ["Xã Đồng Kỳ", "Xã Hồng Kỳ", "Thị trấn Phồn Xương"]
DEFECTS = {
    "no name": {0: ""},
    "bad date": {1: "31/02/1990"},
    "future birth": {1: "01/01/2999"},
    "unknown commune": {4: "Xã Không Có"},
    "bad gender": {2: "Khác"},
    "bad group": {5: "3"},
    "bad phone": {6: "12345"},
}
given_names = st.text(string.ascii_letters + "ăâđêôơưĂÂĐÊÔƠƯáàảãạ", min_size=1, max_size=12)


@st.composite
def mixed_rows(draw):
    """Rows of the template, each valid or with one named defect: (rows, lines expected refused)."""
    rows, bad_lines = [], []
    for index in range(draw(st.integers(1, 6))):
        row = [
            f"Học Viên {draw(given_names)} Số {index}",
            draw(st.dates(min_value=date(1950, 1, 1), max_value=date(2004, 12, 31))).strftime("%d/%m/%Y"),
            draw(st.sampled_from(["Nam", "Nữ", "nam", "NỮ"])),
            draw(st.sampled_from(["", "Công chức"])),
            draw(st.sampled_from(COMMUNES_A + ["Đồng Kỳ", "xa hong ky"])),
            draw(st.sampled_from(["1", "2"])),
            draw(st.sampled_from(["", "0912345678", "+84912345678"])),
        ]
        defect = draw(st.sampled_from([None, None, *DEFECTS]))
        if defect:
            for column, value in DEFECTS[defect].items():
                row[column] = value
            bad_lines.append(index + 2)
        rows.append(row)
    return [TEMPLATE_HEADERS] + rows, bad_lines


@FUZZ
@given(data=mixed_rows(), kind=st.sampled_from(["xlsx", "utf-8", "utf-8-sig", "cp1258"]))
@example(
    data=([TEMPLATE_HEADERS, ["Nul\x00 Ở Giữa", "01/02/1980", "Nam", "Chức\x00vụ", "Xã Đồng Kỳ", "1", ""]], []),
    kind="utf-8",
)
def test_trainee_import_names_exactly_the_bad_lines(app, units, data, kind):
    rows, bad_lines = data
    content = xlsx_bytes(rows) if kind == "xlsx" else encode(csv_text(rows), kind)
    before = count(Trainee)
    with app.test_request_context():
        try:
            created = import_trainees("ds." + ("xlsx" if kind == "xlsx" else "csv"), content, units["A"].id)
        except ImportRejected as rejected:
            assert [e.line for e in rejected.errors] == bad_lines
            assert count(Trainee) == before
        else:
            assert not bad_lines
            assert len(created) == len(rows) - 1 and count(Trainee) == before + len(created)
        finally:
            db.session.rollback()


@pytest.mark.parametrize("filename", ["empty.csv", "empty.xlsx"])
def test_an_empty_file_is_refused_with_a_reason(app, units, filename):
    with app.test_request_context(), pytest.raises(ImportRejected) as refused:
        import_trainees(filename, b"", units["A"].id)
    assert refused.value.errors[0].line == 0 and refused.value.errors[0].message


def test_a_file_over_the_row_limit_is_refused_before_anything_is_checked(app, units):
    row = "Nguyễn Văn A,01/01/1980,Nam,Xã Đồng Kỳ,1\n"
    content = ("Họ và tên,Ngày sinh,Giới tính,Xã/phường,Nhóm\n" + row * (MAX_ROWS + 1)).encode()
    with app.test_request_context(), pytest.raises(ImportRejected) as refused:
        import_trainees("lon.csv", content, units["A"].id)
    assert len(refused.value.errors) == 1 and vietnamese_number(MAX_ROWS) in refused.value.errors[0].message
    assert count(Trainee) == 0


# --- the enrolment importer ---------------------------------------------------------------------

ENROL_HEADERS = ["Mã cá nhân", "Họ và tên", "Ngày sinh", "Xã/phường"]


@FUZZ
@given(
    file=upload(st.one_of(st.just(ENROL_HEADERS), st.permutations(ENROL_HEADERS), headers)),
    picks=st.lists(st.integers(0, 3), max_size=4),
)
def test_enrolment_import_takes_all_rows_or_none(app, world, file, picks):
    filename, content, rows = file
    course = world.running.course
    candidates = db.session.scalars(select(Trainee).order_by(Trainee.id)).all()
    if picks and filename.endswith(".csv") and not content.startswith(b"\xff\xfe"):
        # Now and then, rows that name real trainees by code (enrolled already or not).
        extra = "".join(f"\n{candidates[i % len(candidates)].personal_code}" for i in picks).encode()
        content += extra
        rows += len(picks)
    assert_all_or_nothing(app, lambda: import_enrolments(course, filename, content), Enrolment, rows)


def test_enrolment_import_by_code_enrols_exactly_the_listed(app, world, make_trainee):
    newcomers = [make_trainee(f"Người Mới {i}", birth_date=date(1980, 1, 1 + i)) for i in range(3)]
    rows = [ENROL_HEADERS] + [[t.personal_code, "", "", ""] for t in newcomers]
    before = count(Enrolment)
    with app.test_request_context():
        enrolled = import_enrolments(world.running.course, "ds.xlsx", xlsx_bytes(rows)).enrolled
        db.session.commit()
    assert sorted(e.trainee_id for e in enrolled) == sorted(t.id for t in newcomers)
    assert count(Enrolment) == before + 3


# --- tokens, codes, search ----------------------------------------------------------------------

token_like = st.one_of(
    any_text,
    st.builds(
        lambda s, step, sig: f"{s}.{step}.{sig}",
        st.integers(-5, 10**13),
        st.integers(-5, 10**13),
        st.text(string.ascii_letters + string.digits + "-_=", min_size=0, max_size=30),
    ),
)


@FUZZ
@given(token=token_like)
def test_check_in_tokens_are_either_read_or_refused(app, token):
    try:
        info = qr.read_token(token)
    except qr.TokenError as exc:
        assert exc.reason in ("invalid_token", "expired_token") and str(exc)
    else:  # only a token this server signed (random input never is one)
        assert isinstance(info, qr.TokenInfo)


@FUZZ
@given(session_id=st.integers(1, 2**31 - 1), age_steps=st.integers(-3, 5))
def test_a_signed_token_is_accepted_exactly_in_its_window(app, session_id, age_steps):
    now = 1_800_000_000.0
    token = qr.make_token(session_id, now - age_steps * qr.step_seconds())
    if age_steps in (0, 1):
        assert qr.read_token(token, now).session_id == session_id
    else:
        with pytest.raises(qr.TokenError):
            qr.read_token(token, now)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(qr.TokenError):
        qr.read_token(tampered, now)


code_like = st.one_of(any_text, st.text(CODE_ALPHABET + CODE_ALPHABET.lower() + " -", max_size=30))


@FUZZ
@given(code=code_like)
@example(code="\x00")
@example(code="ABC\x00DEF")
def test_verify_codes_are_found_or_unknown(app, world, code):
    with app.test_request_context():
        outcome, certificate = verify_by_code(code)
        db.session.commit()  # the look-up is logged; the log must take any input
    canonical = "".join(code.split()).replace("-", "").upper()
    if canonical == world.certificate.verify_code:
        assert (outcome, certificate) == ("valid", world.certificate)
    else:
        assert (outcome, certificate) == ("unknown", None)


def test_a_verify_code_is_found_however_it_is_typed(app, world):
    code = world.certificate.verify_code
    with app.test_request_context():
        for typed in (code, code.lower(), f" {code[:5]}-{code[5:10]} {code[10:]} "):
            assert verify_by_code(typed) == ("valid", world.certificate)


url_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@FUZZ
@given(code=url_text)
@example(code="\x00")
def test_the_public_verify_page_answers_any_code(app, world, code):
    response = app.test_client().get("/v/" + quote(code, safe=""))
    assert response.status_code < 500
    assert (response.status_code == 200) == (
        "".join(code.split()).replace("-", "").upper() == world.certificate.verify_code
    )


@FUZZ
@given(
    q=any_text,
    unit=st.one_of(any_text, st.integers(-(2**70), 2**70).map(str)),
    commune=st.one_of(any_text, st.integers(-(2**70), 2**70).map(str)),
    group=any_text,
)
@example(q="\x00", unit="99999999999999999999", commune="-1", group="\x00")
def test_trainee_search_answers_any_query(app, world, q, unit, commune, group):
    for user, args in (
        (world.trainer_a, {"q": q}),
        (world.admin, {"q": q, "unit": unit, "commune": commune, "group": group}),
    ):
        response = app.test_client(user=user).get("/trainees", query_string=args)
        # Any text is searched; only a NUL byte, which no keyboard types and PostgreSQL cannot
        # take, is refused as a bad request (training/security.py) — never a server error.
        nul = any("\x00" in value for value in args.values())
        assert response.status_code == (400 if nul else 200), args


def test_trainee_search_finds_by_folded_name(app, world):
    client = app.test_client(user=world.trainer_a)
    for q in ("bí mật", "BI MAT", "Nguyễn Thị Bí"):
        assert "Nguyễn Thị Bí Mật" in client.get("/trainees", query_string={"q": q}).get_data(as_text=True), q
    assert "Nguyễn Thị Bí Mật" not in client.get("/trainees", query_string={"q": "%"}).get_data(as_text=True)


# --- spreadsheet exports and formula injection --------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@")
formula_text = (
    st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(FORMULA_STARTS),
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    )
    .map(str.strip)
    .filter(lambda t: t[:1] in FORMULA_STARTS and len(t) > 1)
)


def read_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))


def text_cells(book):
    for worksheet in book.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield worksheet, cell


def assert_no_formula_and_escaped(book, texts: list[str]) -> None:
    """No cell is a formula, and each of `texts` is stored as escaped text: either with Excel's
    quote prefix (the cell shows exactly the text) or behind a leading apostrophe."""
    found = {text: False for text in texts}
    for worksheet, cell in text_cells(book):
        assert cell.data_type != "f", f"{worksheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
        value = cell.value if isinstance(cell.value, str) else ""
        logical = value[1:] if value.startswith("'") and not cell.quotePrefix else value
        if logical[:1] in FORMULA_STARTS and value[:1] in FORMULA_STARTS:
            assert cell.data_type == "s" and cell.quotePrefix, (
                f"{worksheet.title}!{cell.coordinate} {value!r} is not escaped"
            )
        for text in texts:
            if text in logical:
                assert cell.data_type == "s", (worksheet.title, cell.coordinate, value)
                if logical.startswith(text):
                    assert cell.quotePrefix or value.startswith("'" + text), (worksheet.title, cell.coordinate, value)
                found[text] = True
    missing = [text for text, seen in found.items() if not seen]
    assert not missing, f"not in the workbook at all: {missing}"


@FUZZ
@given(name=formula_text, position=formula_text)
def test_attendance_xlsx_stores_formula_like_text_as_text(app, world, name, position):
    holder = world.holder
    holder.full_name, holder.position = name, position
    db.session.flush()
    stored = [holder.full_name, holder.position]  # as the model cleaned them
    with app.test_request_context():
        content = sheet_xlsx.attendance_xlsx(sheet.sheet_data(world.running.course))
    db.session.rollback()
    assert_no_formula_and_escaped(read_xlsx(content), stored)


@pytest.fixture
def formula_commune(world, units):
    """A commune of district A named like a formula, with a trainee in the running course."""
    commune = Unit(
        map="pre2025", code="7299", name='=HYPERLINK("http://evil.example","Xã")', level="commune", parent=units["A"]
    )
    db.session.add(commune)
    db.session.commit()
    units[commune.name] = commune  # so that make_trainee finds it
    return commune


def test_every_xlsx_download_keeps_formula_like_text_as_text(app, world, formula_commune, make_trainee):
    injected = make_trainee("@SUM(1+1)*cmd", commune=formula_commune.name, group="commune_broadcast")
    injected.position = "+1-1"
    enrol_many(world.running.course, [injected])
    db.session.commit()
    texts_sheet = ["@SUM(1+1)*cmd", "+1-1", formula_commune.name]
    admin = app.test_client(user=world.admin)
    trainer = app.test_client(user=world.trainer_a)

    downloads = {
        "attendance sheet": (trainer.get(f"/courses/{world.running.course.id}/attendance.xlsx"), texts_sheet),
        "district report": (
            trainer.get("/reports/district", query_string={"format": "xlsx", "year": 2026}),
            [formula_commune.name],
        ),
        "province report": (
            admin.get("/reports/province", query_string={"format": "xlsx", "year": 2026}),
            [formula_commune.name],
        ),
        "import template": (trainer.get("/trainees/import/template.xlsx"), [formula_commune.name]),
    }
    for what, (response, texts) in downloads.items():
        assert response.status_code == 200, what
        try:
            assert_no_formula_and_escaped(read_xlsx(response.get_data()), texts)
        except AssertionError as exc:
            raise AssertionError(f"{what}: {exc}") from exc


@pytest.fixture
def commune_in_report(world, formula_commune, make_trainee):
    """The formula-named commune with a trainee in the running course, so the report lists it."""
    trainee = make_trainee("Người Ở Xã Lạ", commune=formula_commune.name)
    enrol_many(world.running.course, [trainee])
    db.session.commit()
    return formula_commune


@FUZZ
@given(name=formula_text)
def test_report_xlsx_stores_formula_like_commune_names_as_text(app, world, commune_in_report, name):
    commune_in_report.name = name
    db.session.flush()
    with app.test_request_context():
        content = exports_xlsx.report_xlsx(
            counting.build_report(Period.year(2026), world.trainer_a.unit_id), "district"
        )
    db.session.rollback()
    assert_no_formula_and_escaped(read_xlsx(content.getvalue()), [name])


# --- the scanner API, from its OpenAPI description ----------------------------------------------


def _fuzz(strategies: list, cookie: str, statuses: set) -> None:
    """Send the generated requests; none may end in a server error."""

    @API
    @given(case=st.one_of(strategies))
    def call(case):
        response = case.call(cookies={"session": cookie})
        assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.body!r} → {response.status_code}"
        statuses.add(response.status_code)
        db.session.rollback()

    call()


def _in_session(case, session_id: int):
    """A generated scan moved to the session that is open now, so some get past the look-up."""
    if isinstance(case.body, dict):
        case.body = {**case.body, "session": session_id}
    return case


API = settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def test_the_scanner_api_never_answers_5xx(app, world, client):
    """Schemathesis generates requests from /api/v1/openapi.json, valid and invalid, and sends
    them in-process to the WSGI app, signed in as a trainer of district A (CSRF is off here, as
    in all of the suite but tests/security/test_web_defences.py)."""
    assert client.post("/login", data={"username": world.trainer_a.username, "password": PASSWORD}).status_code == 302
    cookie = client.get_cookie("session", domain="taphuan.test").value
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "POST /api/v1/checkins",
        "GET /api/v1/sessions/{session_id}/roster",
        "GET /api/v1/time",
    }
    seen: dict = {}

    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategies = [operation.as_strategy(generation_mode=mode)]
            if mode.is_positive and operation.path_parameters:  # also the session that exists
                strategies.append(operation.as_strategy(path_parameters={"session_id": world.running.current.id}))
            elif mode.is_positive:
                strategies.append(operation.as_strategy().map(lambda case: _in_session(case, world.running.current.id)))

            _fuzz(strategies, cookie, seen.setdefault(operation.label, set()))
    # The generated requests reached the views, not just the sign-in wall.
    assert 200 in seen["GET /api/v1/sessions/{session_id}/roster"] and 200 in seen["POST /api/v1/checkins"]
    assert 400 in seen["POST /api/v1/checkins"]


# --- NUL bytes: SQLite stores them, PostgreSQL refuses them in any text parameter ---------------


def test_nul_bytes_anywhere_in_a_request_are_refused_not_a_server_error(app, world):
    """A NUL byte in a form field, a query string, the path or the scanner's JSON is refused
    (400) rather than reaching PostgreSQL, which cannot take it in any text."""
    visitor, trainer = app.test_client(), app.test_client(user=world.trainer_a)
    requests = [
        (visitor, "POST", "/login", {"data": {"username": "trainer.a\x00", "password": "x"}}),
        (visitor, "POST", "/verify", {"data": {"serial": "215/2026/0001\x00", "full_name": "A"}}),
        (visitor, "GET", "/v/ABC%00DEF", {}),
        (trainer, "GET", "/trainees", {"query_string": {"q": "a\x00b"}}),
        (trainer, "POST", "/api/v1/checkins", {"json": {"session": world.running.current.id, "code": "AB\x00CD"}}),
        (trainer, "POST", f"/trainees/{world.other.id}/edit", {"data": {"full_name": "Tên\x00Mới"}}),
    ]
    for client, method, path, kwargs in requests:
        response = client.open(path, method=method, **kwargs)
        assert response.status_code == 400, (method, path, response.status_code)
    assert db.session.get(Trainee, world.other.id).full_name != "Tên\x00Mới"
