"""Certificate services: eligibility against the programme's completion rule, batch issue,
serials under concurrency, verify codes, frozen PDFs, revocation, copies and verification."""

import hashlib
import io
import math
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.certificates.conftest import ISSUED_ON, SIGNER, close, issue, mark_all, pdf_text, qr_codes_in, start_course
from tests.helpers import count
from tests.together import run_together
from training import audit
from training.audit import AuditEvent
from training.auth.permissions import may_print_certificate, may_see_certificate
from training.certificates import eligibility, issuing, services, verification
from training.certificates.models import Assessment, Certificate, SerialCounter, VerificationCount
from training.certificates.services import CertificateError
from training.courses.models import Course
from training.extensions import db
from training.people import services as people
from training.people.models import CODE_ALPHABET

pytestmark = pytest.mark.usefixtures("in_request")

#: CT1 grown to 20 periods (five modules of 4), so that 80% is a whole number of periods: 16.
#: CT1.5 is taught in two sessions (3 + 1 periods) so that one period can be missed alone.
PLAN_20 = [("CT1.1", 4), ("CT1.2", 4), ("CT1.3", 4), ("CT1.4", 4), ("CT1.5", 3), ("CT1.5", 1)]


@pytest.fixture
def ct1_of_20_periods(programmes):
    programmes.add_module("ct1.toml", "CT1.4", 4)
    programmes.add_module("ct1.toml", "CT1.5", 4)
    return programmes


def by_name(rows) -> dict:
    return {row.enrolment.trainee.full_name: row for row in rows}


# --- eligibility ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "attended", "eligible"),
    [
        (["present"] * 4 + ["absent", "absent"], 16, True),  # exactly 80%
        (["present", "late", "present", "present", "absent", "absent"], 16, True),  # late counts as attended
        (["present"] * 3 + ["absent", "present", "absent"], 15, False),  # one period under: 75%
        (["absent"] * 6, 0, False),
        (["present"] * 6, 20, True),
    ],
    ids=["exactly-80", "late-counts", "one-period-under", "never-came", "all"],
)
def test_attendance_threshold_is_inclusive_and_counted_in_periods(
    ct1_of_20_periods, make_finished, statuses, attended, eligible
):
    finished = make_finished(names=["Nguyễn Thị Hoa"], plan=PLAN_20, attendance={0: statuses})
    assert finished.course.curriculum.periods == 20
    [row] = eligibility.course_eligibility(finished.course)
    assert (row.attendance.attended_periods, row.attendance.required_periods) == (attended, 20)
    assert row.eligible is eligible
    if eligible:
        assert row.reasons == []
    else:
        assert row.reasons == [f"tham dự {attended}/20 tiết ({attended * 5}%), cần từ 80%"]


def test_threshold_comes_from_the_programme_file(programmes, make_finished):
    # Plain CT1: 12 periods; 9 attended is 75%, short of the default 80% and just enough at 75%.
    finished = make_finished(
        names=["Nguyễn Thị Hoa"],
        plan=[("CT1.1", 4), ("CT1.2", 4), ("CT1.3", 3), ("CT1.3", 1)],
        attendance={0: ["present", "present", "absent", "present"]},
    )
    [row] = eligibility.course_eligibility(finished.course)
    assert (row.attendance.attended_periods, row.eligible) == (9, False)
    programmes.set_completion("ct1.toml", min_attendance=0.75)
    [row] = eligibility.course_eligibility(finished.course)
    assert row.eligible, row.reasons


@pytest.mark.parametrize("excused_counts", [False, True])
def test_excused_absences_count_only_when_the_programme_says_so(ct1_of_20_periods, make_finished, excused_counts):
    ct1_of_20_periods.set_completion("ct1.toml", excused_counts=excused_counts)
    # 12 periods present, 4 excused, 4 absent: 80% with the excused periods, 60% without.
    finished = make_finished(
        names=["Nguyễn Thị Hoa"],
        plan=PLAN_20,
        attendance={0: ["present", "present", "excused", "present", "absent", "absent"]},
    )
    [row] = eligibility.course_eligibility(finished.course)
    assert row.attendance.attended_periods == (16 if excused_counts else 12)
    assert row.eligible is excused_counts
    if not excused_counts:
        assert row.reasons == ["tham dự 12/20 tiết (60%), cần từ 80%"]


def test_an_assessed_programme_needs_a_passing_score(make_finished):
    # CT2 (skills) requires a practical assessment, pass mark 5/10.
    finished = make_finished(
        names=["Đạt Đúng Mốc", "Trượt Sát Nút", "Chưa Có Điểm", "Điểm Cao Vắng Nhiều"],
        programme="CT2",
        scores={0: 5.0, 1: 4.9, 3: 9.5},
        attendance={3: ["present", "absent", "absent", "present"]},
    )
    rows = by_name(eligibility.course_eligibility(finished.course))
    assert finished.course.curriculum.completion.assessment_required
    assert rows["Đạt Đúng Mốc"].eligible and rows["Đạt Đúng Mốc"].assessment.passed
    assert rows["Trượt Sát Nút"].reasons == ["điểm 4,9 dưới điểm đạt 5"]
    assert rows["Trượt Sát Nút"].assessment.passed is False
    assert rows["Chưa Có Điểm"].reasons == ["chưa có điểm bài kiểm tra/thu hoạch"]
    assert rows["Điểm Cao Vắng Nhiều"].reasons == ["tham dự 16/32 tiết (50%), cần từ 80%"]


def test_pass_mark_comes_from_the_programme_file(programmes, make_finished):
    programmes.set_completion("ct2.toml", pass_mark=7)
    finished = make_finished(names=["Nguyễn Thị Hoa", "Trần Văn Bình"], programme="CT2", scores={0: 7, 1: 6.5})
    rows = by_name(eligibility.course_eligibility(finished.course))
    assert rows["Nguyễn Thị Hoa"].eligible
    assert rows["Trần Văn Bình"].reasons == ["điểm 6,5 dưới điểm đạt 7"]


def test_a_knowledge_programme_needs_no_score(make_finished):
    finished = make_finished(names=["Nguyễn Thị Hoa"])
    [row] = eligibility.course_eligibility(finished.course)
    assert not finished.course.curriculum.completion.assessment_required
    assert row.assessment is None and row.eligible


def test_a_withdrawn_trainee_is_not_judged(make_finished):
    from training.courses.enrolment import withdraw

    finished = make_finished(closed=False)
    withdraw(finished.enrolment(finished.trainees[0]), "Chuyển công tác")
    db.session.commit()
    close(finished.course)
    assert {r.enrolment.trainee.full_name for r in eligibility.course_eligibility(finished.course)} == {
        "Trần Văn Bình",
        "Lê Minh Châu",
    }


# --- results --------------------------------------------------------------------------------


def test_scores_are_checked_and_audited(make_finished, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa"], programme="CT2", closed=False)
    enrolment = finished.enrolment(finished.trainees[0])
    for bad in (-0.5, 10.5):
        with pytest.raises(CertificateError, match="từ 0 đến 10"):
            eligibility.record_score(enrolment, bad, trainer_a.id)
    assert count(Assessment) == 0

    eligibility.record_score(enrolment, 6, trainer_a.id)
    eligibility.record_score(enrolment, 4, trainer_a.id)
    db.session.commit()
    assessment = db.session.scalar(select(Assessment))
    assert (assessment.score, assessment.passed, assessment.recorded_by_id) == (4, False, trainer_a.id)
    events = [e.data for e in audit.history(enrolment) if e.action == "result.score"]
    assert [(e["before"], e["after"]) for e in events] == [(6, 4), (None, 6)]

    eligibility.record_score(enrolment, None, trainer_a.id)  # cleared
    db.session.commit()
    assert count(Assessment) == 0


def test_scores_are_locked_once_a_certificate_exists(make_finished, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa"], programme="CT2", scores={0: 8})
    issue(finished)
    with pytest.raises(CertificateError, match="không sửa được điểm"):
        eligibility.record_score(finished.enrolment(finished.trainees[0]), 3, trainer_a.id)
    db.session.rollback()
    assert db.session.scalar(select(Assessment.score)) == 8


# --- issuing --------------------------------------------------------------------------------


def test_issue_only_when_the_course_is_closed(make_finished):
    finished = make_finished(closed=False)
    with pytest.raises(CertificateError, match="khóa học đã kết thúc"):
        issue(finished)
    db.session.rollback()
    assert count(Certificate) == 0 and count(SerialCounter) == 0

    close(finished.course)
    assert len(issue(finished)) == 3


def test_issue_gives_certificates_to_the_eligible_only_and_only_once(make_finished, trainer_a):
    finished = make_finished(attendance={1: ["present", "absent", "absent"]})
    issued = issue(finished, user_id=trainer_a.id)
    assert sorted(c.holder_name for c in issued) == ["Lê Minh Châu", "Nguyễn Thị Hoa"]
    assert [c.serial for c in issued] == ["1/2026/GCN-PVHTT-215", "2/2026/GCN-PVHTT-215"]
    assert all(
        c.copy_number == 0 and c.issued_by_id == trainer_a.id and c.issuing_unit_id == finished.course.unit_id
        for c in issued
    )
    assert {e.action for e in db.session.scalars(select(AuditEvent))} >= {"certificate.issue"}
    assert count(AuditEvent, AuditEvent.action == "certificate.issue") == 2

    with pytest.raises(CertificateError, match="Không còn học viên"):
        issue(finished)
    db.session.rollback()
    assert count(Certificate) == 2


def test_a_batch_is_written_in_parts_and_lets_each_pdf_go_once_written(make_finished, monkeypatch):
    # A batch of 300 held its 300 PDFs (11 MiB) until its end, and the process kept the space.
    monkeypatch.setattr(issuing, "FLUSH_EVERY", 2)
    finished = make_finished(names=["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Minh Châu", "Phạm Quốc Dũng", "Vũ Thị Én"])
    issued = issuing.issue_batch(finished.course, SIGNER, None, on=ISSUED_ON)
    assert sorted(c.serial for c in issued) == [f"{n}/2026/GCN-PVHTT-215" for n in range(1, 6)]
    assert all(c.id for c in issued) and not any("pdf" in vars(c) for c in issued)
    assert count(AuditEvent, AuditEvent.action == "certificate.issue") == 5
    db.session.commit()
    assert all(hashlib.sha256(c.pdf).hexdigest() == c.sha256 for c in issued)


def test_issue_needs_a_signer(make_finished):
    finished = make_finished()
    signer = issuing.SignerInfo(**{**SIGNER.__dict__, "name": "  "})
    with pytest.raises(CertificateError, match="người ký"):
        issuing.issue_batch(finished.course, signer, None, on=ISSUED_ON)
    db.session.rollback()
    assert count(Certificate) == 0


def test_serials_follow_the_issuer_and_year_and_are_never_reused(make_finished, units, trainer_b, make_trainee):
    first = make_finished(names=["Nguyễn Thị Hoa"])
    assert [c.serial for c in issue(first)] == ["1/2026/GCN-PVHTT-215"]
    second = make_finished(names=["Trần Văn Bình"], first_day=date(2026, 5, 4))
    assert [c.serial for c in issue(second, on=date(2027, 1, 5))] == ["1/2027/GCN-PVHTT-215"]  # a new year starts again
    third = make_finished(names=["Lê Minh Châu"], first_day=date(2026, 6, 1))
    assert [c.serial for c in issue(third)] == ["2/2026/GCN-PVHTT-215"]
    # Another district of the old map (its own Phòng) has its own sequence.
    other = start_course(
        units,
        trainer_b,
        [make_trainee("Phạm Quốc Dũng", commune="Xã Ngọc Thiện")],
        district="B",
        venue="Hội trường UBND huyện Tân Yên",
    )
    mark_all(other, other.trainees[0], "present", trainer_b.id)
    close(other.course)
    assert [c.serial for c in issuing.issue_batch(other.course, SIGNER, None, on=ISSUED_ON)] == ["1/2026/GCN-PVHTT-216"]
    # Revoking frees nothing: the next serial is still new.
    db.session.commit()
    services.revoke(
        db.session.scalar(select(Certificate).where(Certificate.serial == "2/2026/GCN-PVHTT-215")),
        "error",
        "Sai tên",
        None,
    )
    fourth = make_finished(names=["Vũ Thị Én"], first_day=date(2026, 7, 6))
    assert [c.serial for c in issue(fourth)] == ["3/2026/GCN-PVHTT-215"]


@pytest.mark.slow
def test_two_batches_issued_at_the_same_moment_get_distinct_consecutive_serials(app, make_finished):
    # Two closed courses of the same district, three eligible trainees each, issued at once.
    courses = [
        make_finished(names=[f"Học Viên A{i}" for i in range(3)]).course.id,
        make_finished(
            names=[f"Học Viên B{i}" for i in range(3)], first_day=date(2026, 4, 6), venue="Nhà văn hóa xã Đồng Kỳ"
        ).course.id,
    ]
    db.session.commit()

    def issue_course(i: int) -> list[str]:
        issued = issuing.issue_batch(db.session.get(Course, courses[i]), SIGNER, None, on=ISSUED_ON)
        db.session.commit()
        return [c.serial for c in issued]

    batches = run_together(2, issue_course, app=app)
    serials = [s for batch in batches for s in batch]
    assert len(serials) == len(set(serials)) == 6
    assert sorted(serials) == [f"{n}/2026/GCN-PVHTT-215" for n in range(1, 7)]
    for batch in batches:  # each batch took one block of consecutive numbers
        numbers = [int(s.split("/", 1)[0]) for s in batch]
        assert numbers == list(range(numbers[0], numbers[0] + 3))
    stored = db.session.scalars(select(Certificate.serial)).all()
    assert sorted(stored) == sorted(serials)
    assert db.session.scalar(select(SerialCounter.last)) == 6


@pytest.mark.slow
def test_the_same_course_issued_twice_at_once_gets_one_certificate_each(app, make_finished):
    # A double click on "Xác nhận", or two trainers of the district on the same page.
    course_id = make_finished().course.id
    db.session.commit()

    def issue_course(_i: int) -> list[str] | str:
        try:
            issued = issuing.issue_batch(db.session.get(Course, course_id), SIGNER, None, on=ISSUED_ON)
        except CertificateError as exc:
            db.session.rollback()
            return str(exc)
        db.session.commit()
        return [c.serial for c in issued]

    outcomes = run_together(2, issue_course, app=app)
    assert sorted(map(type, outcomes), key=str) == [list, str], outcomes
    assert "Không còn học viên" in next(o for o in outcomes if isinstance(o, str))
    assert count(Certificate) == 3
    assert db.session.scalar(select(func.count(func.distinct(Certificate.enrolment_id)))) == 3
    assert sorted(db.session.scalars(select(Certificate.serial))) == [f"{n}/2026/GCN-PVHTT-215" for n in (1, 2, 3)]


@pytest.mark.slow
def test_reserving_serials_from_many_threads_never_overlaps(app, units):
    scope = "{number}/2026/GCN-SVHTTDL"
    threads, size = 8, 5

    def reserve(_i: int) -> list[int]:
        numbers = issuing.reserve_serials(scope, size)
        db.session.commit()
        return list(numbers)

    ranges = run_together(threads, reserve, app=app)
    numbers = [n for block in ranges for n in block]
    assert sorted(numbers) == list(range(1, threads * size + 1))
    assert all(block == list(range(block[0], block[0] + size)) for block in ranges)
    assert issuing.reserve_serials(scope, 1) == range(41, 42)
    assert issuing.reserve_serials("{number}/2027/GCN-SVHTTDL", 2) == range(1, 3)


# --- verify codes ---------------------------------------------------------------------------


def test_verify_codes_are_long_random_and_unambiguous(make_finished):
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 31
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert verification.VERIFY_CODE_LENGTH * math.log2(len(CODE_ALPHABET)) >= 80

    codes = [verification.new_verify_code() for _ in range(5000)]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == verification.VERIFY_CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    # Every letter turns up in every position: nothing fixed or sequential in them.
    assert all(len({code[i] for code in codes}) == len(CODE_ALPHABET) for i in range(verification.VERIFY_CODE_LENGTH))

    issued = issue(make_finished())
    assert len({c.verify_code for c in issued}) == 3
    assert all(set(c.verify_code) <= set(CODE_ALPHABET) for c in issued)


# --- the PDF --------------------------------------------------------------------------------


def test_the_pdf_holds_what_a_certificate_must_show(make_finished):
    finished = make_finished(
        names=["Nguyễn Thị Hương"], gender="female", birth_date=date(1987, 9, 4), position="Công chức Văn hóa - Xã hội"
    )
    [certificate] = issue(finished)
    text = pdf_text(certificate.pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY CHỨNG NHẬN",
        "UBND HUYỆN YÊN THẾ",
        "PHÒNG VĂN HÓA VÀ THÔNG TIN",
        "TRƯỞNG PHÒNG VĂN HÓA VÀ THÔNG TIN HUYỆN YÊN THẾ",
        "CHỨNG NHẬN:",
        "Bà: Nguyễn Thị Hương",
        "Sinh ngày: 04/09/1987",
        "công chức Văn hóa - Xã hội, xã Đồng Kỳ, huyện Yên Thế",
        "Kiến thức cơ bản về công tác thông tin cơ sở",
        "từ ngày 02/03/2026 đến ngày 04/03/2026",
        "Số vào sổ cấp: 1/2026/GCN-PVHTT-215",
        "Yên Thế, ngày 20 tháng 3 năm 2026",
        "TRƯỞNG PHÒNG",
        "Hoàng Văn Ký",
        certificate.verify_code,
    ):
        assert expected in text, expected
    page = PdfReader(io.BytesIO(certificate.pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)  # A4 landscape
    assert hashlib.sha256(certificate.pdf).hexdigest() == certificate.sha256


def test_the_issue_date_is_written_the_administrative_way(make_finished):
    # Nghị định 30/2020/NĐ-CP: a day below 10 and the months 1 and 2 take a leading zero.
    [certificate] = issue(make_finished(names=["Nguyễn Thị Hoa"]), on=date(2027, 1, 5))
    assert "Yên Thế, ngày 05 tháng 01 năm 2027" in pdf_text(certificate.pdf)


def test_the_qr_in_the_pdf_decodes_to_the_verification_url(make_finished):
    [certificate] = issue(make_finished(names=["Nguyễn Thị Hoa"]))
    assert qr_codes_in(certificate.pdf) == [f"http://taphuan.test/v/{certificate.verify_code}"]


def test_the_qr_uses_the_configured_public_address(app, make_finished):
    app.config["PUBLIC_BASE_URL"] = "https://taphuan.bacgiang.gov.vn/"
    [certificate] = issue(make_finished(names=["Nguyễn Thị Hoa"]))
    url = f"https://taphuan.bacgiang.gov.vn/v/{certificate.verify_code}"
    assert qr_codes_in(certificate.pdf) == [url]
    assert url in pdf_text(certificate.pdf)
    assert "Nguyễn" not in url and "1985" not in url  # the QR carries no personal data


def test_a_trainee_renamed_after_issue_leaves_the_certificate_unchanged(make_finished):
    finished = make_finished(names=["Nguyễn Thị Hoa"])
    [certificate] = issue(finished)
    pdf, digest = bytes(certificate.pdf), certificate.sha256
    trainee = finished.trainees[0]
    people.save_trainee(
        trainee,
        {
            "full_name": "Nguyễn Thị Hoà Bình",
            "birth_date": date(1986, 1, 1),
            "gender": "female",
            "position": "Phó Chủ tịch",
            "commune_id": trainee.commune_id,
            "group": trainee.group,
            "phone": "",
        },
    )
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Certificate, certificate.id)
    assert stored.pdf == pdf and stored.sha256 == digest == hashlib.sha256(stored.pdf).hexdigest()
    assert stored.holder_name == "Nguyễn Thị Hoa"
    assert "Nguyễn Thị Hoa" in pdf_text(stored.pdf) and "Hoà Bình" not in pdf_text(stored.pdf)
    outcome, found = verification.verify_by_serial(
        stored.serial, "Nguyễn Thị Hoa"
    )  # the name on the paper still matches
    assert (outcome, found) == ("valid", stored)


# --- revocation -----------------------------------------------------------------------------


def test_revoke_and_unrevoke_are_audited_and_need_a_reason(make_finished, trainer_a):
    [certificate, *_] = issue(make_finished())
    code = certificate.verify_code
    for category, reason, message in (("fraud", "   ", "lý do thu hồi"), ("whim", "Không rõ", "loại lý do")):
        with pytest.raises(CertificateError, match=message):
            services.revoke(certificate, category, reason, trainer_a.id)
    with pytest.raises(CertificateError, match="đang có hiệu lực"):
        services.unrevoke(certificate, "Nhầm", trainer_a.id)
    assert not certificate.is_revoked and count(AuditEvent, AuditEvent.action.like("certificate.%revoke")) == 0

    services.revoke(certificate, "fraud", "  Điểm danh hộ  ", trainer_a.id)
    db.session.commit()
    assert (
        certificate.is_revoked
        and certificate.revoke_category == "fraud"
        and certificate.revoke_reason == "Điểm danh hộ"
    )
    with pytest.raises(CertificateError, match="từ trước"):
        services.revoke(certificate, "error", "Lần nữa", trainer_a.id)
    with pytest.raises(CertificateError, match="lý do khôi phục"):
        services.unrevoke(certificate, " ", trainer_a.id)

    services.unrevoke(certificate, "Xác minh lại: có mặt thật", trainer_a.id)
    db.session.commit()
    assert not certificate.is_revoked and certificate.revoke_category == "" and certificate.verify_code == code
    events = [e for e in audit.history(certificate) if e.action != "certificate.issue"]
    assert [(e.action, e.actor_id) for e in events] == [
        ("certificate.unrevoke", trainer_a.id),
        ("certificate.revoke", trainer_a.id),
    ]
    assert events[1].data == {"category": "fraud", "reason": "Điểm danh hộ"}
    assert events[0].data == {
        "before": {"category": "fraud", "reason": "Điểm danh hộ"},
        "reason": "Xác minh lại: có mặt thật",
    }


# --- who may see and print a certificate ----------------------------------------------------


def test_a_trainee_sees_only_their_own_certificate_and_staff_those_of_their_courses(
    make_finished, trainee_user, admin, trainer_a, trainer_b
):
    own, other, *_ = issue(make_finished())
    holder = trainee_user(own.enrolment.trainee)
    assert (may_see_certificate(holder, own), may_see_certificate(holder, other)) == (True, False)
    assert may_see_certificate(trainer_a, own) is True
    assert may_see_certificate(trainer_b, own) is False  # another district's course
    assert may_see_certificate(admin, own) is True


def test_a_revoked_certificate_is_no_longer_the_holders_to_print_but_staff_still_may(
    make_finished, trainee_user, trainer_a, trainer_b
):
    own, other, *_ = issue(make_finished())
    holder = trainee_user(own.enrolment.trainee)
    assert (may_print_certificate(holder, own), may_print_certificate(holder, other)) == (True, False)
    services.revoke(own, "error", "Sai ngày sinh", trainer_a.id)
    db.session.commit()
    assert may_print_certificate(holder, own) is False
    assert (may_print_certificate(trainer_a, own), may_print_certificate(trainer_b, own)) == (True, False)


# --- replacement copies ---------------------------------------------------------------------


def test_a_replacement_copy_keeps_the_serial_and_links_to_the_original(make_finished, trainer_a):
    [original, *_] = issue(make_finished())
    copy = issuing.issue_copy(original, SIGNER, trainer_a.id, on=date(2026, 9, 1))
    db.session.commit()
    assert (copy.serial, copy.copy_number, copy.replaces_id) == (original.serial, 1, original.id)
    assert copy.verify_code != original.verify_code and copy.holder_name == original.holder_name
    assert copy.sha256 == hashlib.sha256(copy.pdf).hexdigest() != original.sha256
    text = pdf_text(copy.pdf)
    assert f"Số vào sổ cấp: {original.serial}" in text
    assert "(Cấp lại lần 1)" in text and "Bản sao" not in text
    assert "Bản sao" not in pdf_text(original.pdf)
    assert qr_codes_in(copy.pdf) == [f"http://taphuan.test/v/{copy.verify_code}"]
    [event] = [e for e in audit.history(copy) if e.action == "certificate.copy"]
    assert event.actor_id == trainer_a.id and event.data["original"] == original.id
    # Both verify; a second copy is number 2; a copy of a copy is refused.
    assert (
        verification.verify_by_code(original.verify_code)[0]
        == verification.verify_by_code(copy.verify_code)[0]
        == "valid"
    )
    assert issuing.issue_copy(original, SIGNER, trainer_a.id).copy_number == 2
    with pytest.raises(CertificateError, match="gốc"):
        issuing.issue_copy(copy, SIGNER, trainer_a.id)


def test_two_copies_at_the_same_moment_refuse_the_second_politely(make_finished, trainer_a, monkeypatch):
    """Two requests read the same copy numbers; the one that writes second is refused with a
    message, and the first copy stands."""
    [original, *_] = issue(make_finished())
    first = issuing.issue_copy(original, SIGNER, trainer_a.id)
    db.session.commit()
    # The second request read the numbers before the first one's copy was committed.
    monkeypatch.setattr(issuing, "_next_copy_number", lambda serial: 1)
    with pytest.raises(CertificateError, match="Vừa có một bản sao khác"):
        issuing.issue_copy(original, SIGNER, trainer_a.id)
    db.session.commit()
    copies = db.session.scalars(
        select(Certificate).where(Certificate.serial == original.serial, Certificate.copy_number > 0)
    ).all()
    assert copies == [first]


def test_no_copy_of_a_revoked_certificate(make_finished, trainer_a):
    [original, *_] = issue(make_finished())
    services.revoke(original, "fraud", "Hồ sơ giả", trainer_a.id)
    with pytest.raises(CertificateError, match="thu hồi"):
        issuing.issue_copy(original, SIGNER, trainer_a.id)


# --- verification ---------------------------------------------------------------------------


def test_verification_by_code_gives_each_state_and_is_logged(make_finished, trainer_a):
    [certificate, *_] = issue(make_finished())
    code = certificate.verify_code
    assert verification.verify_by_code(code) == ("valid", certificate)
    spaced = f" {code[:5].lower()}-{code[5:10]} {code[10:]} "  # as someone types it from paper
    assert verification.verify_by_code(spaced) == ("valid", certificate)
    services.revoke(certificate, "error", "Sai ngày sinh", trainer_a.id)
    assert verification.verify_by_code(code) == ("revoked", certificate)
    assert verification.verify_by_code("2222222222222222Z") == ("unknown", None)
    assert verification.verify_by_code("not a code at all 0OIL") == ("unknown", None)
    db.session.commit()
    assert counted() == {
        ("qr", "valid", certificate.id): 2,
        ("qr", "revoked", certificate.id): 1,
        ("qr", "unknown", 0): 2,
    }


def test_verification_by_serial_ignores_accents_and_case_but_needs_the_name(make_finished, trainer_a):
    issued = {c.holder_name: c for c in issue(make_finished(names=["Nguyễn Thị Hoa", "Đặng Đức Lưu"]))}
    hoa, luu = issued["Nguyễn Thị Hoa"], issued["Đặng Đức Lưu"]
    assert verification.verify_by_serial(hoa.serial, "nguyen thi hoa") == ("valid", hoa)
    assert verification.verify_by_serial(f" {luu.serial} ", "  DANG   duc LUU ") == ("valid", luu)
    assert verification.verify_by_serial(hoa.serial, "Đặng Đức Lưu") == ("unknown", None)  # the serial of someone else
    assert verification.verify_by_serial("9999/2026/GCN-PVHTT-215", "Nguyễn Thị Hoa") == ("unknown", None)
    # A lost-and-replaced certificate: the copy answers, even after the original is revoked.
    copy = issuing.issue_copy(hoa, SIGNER, trainer_a.id)
    services.revoke(hoa, "duplicate", "Đã cấp bản sao", trainer_a.id)
    assert verification.verify_by_serial(hoa.serial, "Nguyễn Thị Hoa") == ("valid", copy)
    db.session.commit()
    assert counted() == {
        ("serial", "valid", hoa.id): 1,
        ("serial", "valid", luu.id): 1,
        ("serial", "unknown", 0): 2,
        ("serial", "valid", copy.id): 1,
    }


def test_verification_url_is_absolute(app, make_finished):
    [certificate, *_] = issue(make_finished())
    assert verification.verification_url(certificate) == f"http://taphuan.test/v/{certificate.verify_code}"
    app.config["PUBLIC_BASE_URL"] = "https://taphuan.example.vn"
    assert verification.verification_url(certificate) == f"https://taphuan.example.vn/v/{certificate.verify_code}"


def counted() -> dict:
    """The verification counts: (via, outcome, certificate id or 0) → look-ups."""
    return {(v.via, v.outcome, v.certificate_id): v.count for v in db.session.scalars(select(VerificationCount))}


def test_control_characters_in_a_look_up_are_counted_without_failing(make_finished):
    # PostgreSQL refuses NUL in text; a look-up is public input and must never fail.
    [certificate, *_] = issue(make_finished())
    assert verification.verify_by_code("\x00" + certificate.verify_code) == ("valid", certificate)
    assert verification.verify_by_code("\x00\x07") == ("unknown", None)
    assert verification.verify_by_serial(certificate.serial + "\x00", "x\x00y") == ("unknown", None)
    assert verification.verify_by_serial(f"\t{certificate.serial}\n", certificate.holder_name.replace(" ", "\t")) == (
        "valid",
        certificate,
    )
    db.session.commit()
    assert sum(counted().values()) == 4


def test_scores_for_someone_outside_the_course_are_refused_all_or_none(make_finished, trainer_a):
    finished = make_finished(names=["Nguyễn Thị Hoa"], programme="CT2", closed=False)
    hoa = finished.enrolment(finished.trainees[0])
    with pytest.raises(eligibility.ScoresRejected) as refused:
        eligibility.record_scores(eligibility.course_eligibility(finished.course), {hoa.id: 8, 999999: 7}, trainer_a.id)
    assert refused.value.problems == {999999: "Không có học viên này trong khóa học."}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0
    assert eligibility.record_scores(eligibility.course_eligibility(finished.course), {hoa.id: 8}, trainer_a.id) == 1
    assert (
        eligibility.record_scores(eligibility.course_eligibility(finished.course), {hoa.id: 8}, trainer_a.id) == 0
    )  # unchanged
