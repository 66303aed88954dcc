"""Attendance services: check-in rules, badge scans with nonces, the audited manual roster,
and attendance shares."""

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import count
from training.attendance import checkin, roster, window
from training.attendance.models import Attendance, ScanLog
from training.attendance.shares import course_attendance
from training.audit import AuditEvent
from training.clock import to_utc
from training.courses import services as courses
from training.courses.enrolment import withdraw
from training.courses.planning import delete_session
from training.curricula.catalogue import load_catalogue
from training.extensions import db


def local(hour: int, minute: int = 0, second: int = 0, day: int = 3) -> datetime:
    """Naive UTC for a local wall-clock time in the course's week (Tuesday by default)."""
    return to_utc(datetime(2026, 3, day, hour, minute, second))


def audit_of(record) -> list[AuditEvent]:
    """The audit events of an attendance record (a row or a check-in's SeenRecord)."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_ref == f"attendance:{record.id}").order_by(AuditEvent.id)
        )
    )


# --- check-in --------------------------------------------------------------------------------


def test_a_check_in_is_recorded_once_and_a_second_gives_the_first_time(course_now):
    session, trainee = course_now.current, course_now.trainees[0]
    first = checkin.check_in(session, trainee.id, "qr_self", at=local(8, 5), device="phone-1")
    db.session.commit()
    assert first.reason == "ok" and first.ok
    assert first.record.status == "present"
    assert first.record.at == local(8, 5)
    assert "08:05" in first.message and "đúng giờ" in first.message

    second = checkin.check_in(session, trainee.id, "qr_badge", at=local(8, 40))
    db.session.commit()
    assert second.reason == "already_checked_in" and not second.ok
    assert second.record.id == first.record.id
    assert second.record.at == local(8, 5)
    assert second.record.method == "qr_self"
    assert f"{trainee.full_name} đã điểm danh lúc 08:05" in second.message
    assert second.as_json()["checked_in_at"] == "08:05"
    assert count(Attendance) == 1


def test_the_check_in_is_audited_with_its_method(course_now, trainer_a):
    result = checkin.check_in(
        course_now.current, course_now.trainees[0].id, "qr_badge", at=local(8, 5), recorded_by_id=trainer_a.id
    )
    db.session.commit()
    [event] = audit_of(result.record)
    assert event.action == "attendance.checkin" and event.actor_id == trainer_a.id
    assert event.data == {"before": None, "after": "present", "method": "qr_badge"}


@pytest.mark.parametrize(
    "at, status",
    [
        (local(7, 50), "present"),  # before the start, once check-in is open
        (local(8, 0), "present"),
        (local(8, 15), "present"),  # exactly start + 15 minutes: still on time
        (local(8, 15, 1), "late"),
        (local(10, 59), "late"),
    ],
)
def test_late_is_after_the_start_plus_the_courses_grace_minutes(course_now, at, status):
    result = checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self", at=at)
    assert result.reason == "ok"
    assert result.record.status == status
    assert ("đi muộn" in result.message) == (status == "late")


def test_the_grace_minutes_are_the_courses_own(course_now):
    course_now.course.late_after_minutes = 5
    db.session.commit()
    assert (
        checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self", at=local(8, 5)).record.status
        == "present"
    )
    assert (
        checkin.check_in(course_now.current, course_now.trainees[1].id, "qr_self", at=local(8, 6)).record.status
        == "late"
    )


@pytest.mark.parametrize(
    "at, opens", [(local(7, 44, 59), False), (local(7, 45), True), (local(11, 0), True), (local(11, 0, 1), False)]
)
def test_check_in_is_open_from_a_quarter_before_the_start_to_the_end(course_now, at, opens):
    result = checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self", at=at)
    assert (result.reason == "ok") is opens
    if not opens:
        assert result.reason == "session_closed" and result.record is None
        assert count(Attendance) == 0


def test_a_trainee_of_another_course_is_not_enrolled(course_now, other_course):
    stranger = other_course.trainees[0]
    result = checkin.check_in(course_now.current, stranger.id, "qr_self", at=local(8, 5))
    assert result.reason == "not_enrolled"
    assert f"{stranger.full_name} không có tên trong khóa học này" in result.message
    assert count(Attendance) == 0


def test_a_withdrawn_trainee_is_not_enrolled(course_now):
    trainee = course_now.trainees[0]
    enrolment = next(e for e in course_now.course.enrolments if e.trainee_id == trainee.id)
    withdraw(enrolment, "Chuyển công tác")
    db.session.commit()
    assert checkin.check_in(course_now.current, trainee.id, "qr_self", at=local(8, 5)).reason == "not_enrolled"


# --- the manual roster -------------------------------------------------------------------------


def test_every_manual_change_is_audited_with_who_when_before_and_after(course_now, trainer_a, admin, clock):
    session, trainee = course_now.current, course_now.trainees[0]
    first = roster.mark(session, trainee, "present", "", trainer_a.id)
    db.session.commit()
    assert first.status == "present" and first.method == "manual" and first.recorded_by_id == trainer_a.id
    assert first.recorded_at == clock.now()

    clock.advance(minutes=30)
    roster.mark(session, trainee, "excused", "  Ốm, có giấy xin phép  ", admin.id)
    db.session.commit()
    roster.mark(session, trainee, "absent", "", trainer_a.id)
    db.session.commit()

    events = audit_of(first)
    assert [e.action for e in events] == ["attendance.mark"] * 3
    assert [e.actor_id for e in events] == [trainer_a.id, admin.id, trainer_a.id]
    assert all(e.at is not None for e in events)
    assert [(e.data["before"], e.data["after"]) for e in events] == [
        (None, {"status": "present", "remark": ""}),
        ({"status": "present", "remark": ""}, {"status": "excused", "remark": "Ốm, có giấy xin phép"}),
        ({"status": "excused", "remark": "Ốm, có giấy xin phép"}, {"status": "absent", "remark": ""}),
    ]
    assert events[0].data["trainee"] == trainee.full_name
    row = db.session.get(Attendance, first.id)
    assert (row.status, row.recorded_by_id, row.recorded_at) == ("absent", trainer_a.id, clock.now())
    assert count(Attendance) == 1


def test_an_unchanged_resubmission_writes_no_audit(course_now, trainer_a):
    session, trainee = course_now.current, course_now.trainees[0]
    roster.mark(session, trainee, "late", "Xe hỏng", trainer_a.id)
    db.session.commit()
    assert roster.mark(session, trainee, "late", "Xe hỏng ", trainer_a.id) is None
    db.session.commit()
    assert count(AuditEvent, AuditEvent.action == "attendance.mark") == 1


def test_a_remark_alone_is_a_change(course_now, trainer_a):
    session, trainee = course_now.current, course_now.trainees[0]
    row = roster.mark(session, trainee, "present", "", trainer_a.id)
    assert roster.mark(session, trainee, "present", "Về sớm 30 phút", trainer_a.id) is row
    db.session.commit()
    assert audit_of(row)[-1].data["after"] == {"status": "present", "remark": "Về sớm 30 phút"}


def test_a_remark_keeps_how_a_scanned_trainee_was_seen(course_now, trainer_a):
    session, trainee = course_now.current, course_now.trainees[0]
    checkin.check_in(session, trainee.id, "qr_self")
    row = roster.mark(session, trainee, "present", "Ngồi hàng đầu", trainer_a.id)
    assert (row.method, row.remark) == ("qr_self", "Ngồi hàng đầu")
    assert roster.mark(session, trainee, "excused", "Về sớm", trainer_a.id).method == "manual"


def test_a_closed_course_takes_no_more_check_ins(course_now, trainer_a, login):
    login(trainer_a)  # change_status reads the signed-in user
    courses.change_status(course_now.course, "closed")
    db.session.commit()
    assert window.checkin_state(course_now.current) == "ended"
    assert checkin.check_in(course_now.current, course_now.trainees[0].id, "qr_self").reason == "session_closed"
    assert count(Attendance) == 0


def test_marking_refuses_an_unknown_status_and_a_stranger(course_now, other_course, trainer_a):
    with pytest.raises(roster.AttendanceError):
        roster.mark(course_now.current, course_now.trainees[0], "sick", "", trainer_a.id)
    with pytest.raises(roster.AttendanceError, match="không có tên trong khóa học"):
        roster.mark(course_now.current, other_course.trainees[0], "present", "", trainer_a.id)
    assert count(Attendance) == 0 and count(AuditEvent, AuditEvent.action == "attendance.mark") == 0


def test_marking_many_refuses_an_unknown_status_and_a_stranger_and_keeps_none(course_now, other_course, trainer_a):
    session = course_now.current
    rows = roster.roster(session)
    first, stranger = course_now.trainees[0], other_course.trainees[0]
    with pytest.raises(roster.AttendanceError, match="Trạng thái điểm danh không hợp lệ"):
        roster.mark_many(
            session, rows, {first.id: ("present", ""), course_now.trainees[1].id: ("sick", "")}, trainer_a.id
        )
    with pytest.raises(roster.AttendanceError, match="không có tên trong khóa học"):
        roster.mark_many(session, rows, {first.id: ("present", ""), stranger.id: ("present", "")}, trainer_a.id)
    db.session.rollback()
    assert count(Attendance) == 0 and count(AuditEvent, AuditEvent.action == "attendance.mark") == 0
    assert roster.mark_many(session, roster.roster(session), {first.id: ("present", "")}, trainer_a.id) == 1


def test_marking_present_by_hand_keeps_an_earlier_scan_time(course_now, trainer_a):
    session, trainee = course_now.current, course_now.trainees[0]
    checkin.check_in(session, trainee.id, "qr_self", at=local(8, 20))
    row = roster.mark(session, trainee, "present", "Đến đúng giờ, quét muộn", trainer_a.id)
    assert row.checked_in_at == local(8, 20)
    other = roster.mark(session, course_now.trainees[1], "present", "", trainer_a.id)
    assert other.checked_in_at == session.starts_at


def test_mark_unmarked_absent_marks_only_those_with_no_record(course_now, trainer_a):
    session = course_now.current
    checkin.check_in(session, course_now.trainees[0].id, "qr_self", at=local(8, 5))
    roster.mark(session, course_now.trainees[1], "excused", "Đi công tác", trainer_a.id)
    db.session.commit()

    assert roster.mark_unmarked_absent(session, trainer_a.id) == 1
    db.session.commit()
    statuses = {
        a.trainee_id: a.status
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    assert statuses == {
        course_now.trainees[0].id: "present",
        course_now.trainees[1].id: "excused",
        course_now.trainees[2].id: "absent",
    }
    absent = db.session.scalar(select(Attendance).where(Attendance.trainee_id == course_now.trainees[2].id))
    [event] = audit_of(absent)
    assert event.actor_id == trainer_a.id and event.data["before"] is None and event.data["after"]["status"] == "absent"

    assert roster.mark_unmarked_absent(session, trainer_a.id) == 0


def test_mark_unmarked_absent_waits_for_the_start(course_now, trainer_a):
    with pytest.raises(roster.AttendanceError, match="chưa bắt đầu"):
        roster.mark_unmarked_absent(course_now.future, trainer_a.id)
    assert count(Attendance) == 0


def test_a_scan_after_a_manual_absent_upgrades_it_and_is_audited(course_now, trainer_a):
    session, trainee = course_now.current, course_now.trainees[0]
    roster.mark_unmarked_absent(session, trainer_a.id)
    db.session.commit()
    result = checkin.scan_badge(session, trainee.personal_code, "nonce-after-absent", None, False, trainer_a.id)
    db.session.commit()
    assert result.reason == "ok" and result.record.status == "present" and result.record.method == "qr_badge"
    assert count(Attendance, Attendance.trainee_id == trainee.id) == 1
    events = audit_of(result.record)
    assert [(e.action, e.data["before"], e.data["after"]) for e in events][-1] == (
        "attendance.checkin",
        "absent",
        "present",
    )
    assert events[-1].actor_id == trainer_a.id


def test_a_trainers_late_badge_scan_after_excused_upgrades_to_late(course_now, trainer_a):
    """The trainer scanning the badge is the trainer's own act: it changes their mark."""
    session, trainee = course_now.current, course_now.trainees[0]
    roster.mark(session, trainee, "excused", "", trainer_a.id)
    result = checkin.check_in(session, trainee.id, "qr_badge", at=local(9, 0), recorded_by_id=trainer_a.id)
    db.session.commit()
    assert (result.reason, result.record.status) == ("ok", "late")
    assert audit_of(result.record)[-1].data == {"before": "excused", "after": "late", "method": "qr_badge"}


@pytest.mark.parametrize("mark", ["excused", "absent"])
def test_a_self_scan_over_the_trainers_mark_keeps_the_mark_and_the_scan_for_the_trainer(course_now, trainer_a, mark):
    session, trainee = course_now.current, course_now.trainees[0]
    roster.mark(session, trainee, mark, "ốm, có giấy", trainer_a.id)
    db.session.commit()
    result = checkin.check_in(session, trainee.id, "qr_self", at=local(8, 12), device="phone-1")
    db.session.commit()
    assert result.reason == "kept_manual_mark" and "08:12" in result.message
    row = db.session.scalar(select(Attendance).where(Attendance.trainee_id == trainee.id))
    db.session.refresh(row)
    assert (row.status, row.method, row.remark, row.self_scan_at) == (mark, "manual", "ốm, có giấy", local(8, 12))
    assert audit_of(row)[-1].action == "attendance.self_scan_kept"
    # a second scan keeps the first scan's time
    again = checkin.check_in(session, trainee.id, "qr_self", at=local(8, 20))
    db.session.commit()
    db.session.refresh(row)
    assert again.reason == "kept_manual_mark" and row.self_scan_at == local(8, 12) and row.status == mark

    # the trainer accepts it on the roster: late or present by the scan's time
    saved = roster.save_roster(
        session,
        {trainee.id: roster.RosterEdit(mark, "ốm, có giấy", mark, "ốm, có giấy", roster.record_version(row))},
        trainer_a.id,
        accept=frozenset({trainee.id}),
    )
    db.session.commit()
    db.session.refresh(row)
    assert saved.changed == 1 and not saved.conflicts
    assert (row.status, row.method, row.checked_in_at, row.self_scan_at) == ("present", "qr_self", local(8, 12), None)
    assert audit_of(row)[-1].action == "attendance.accept_scan"


def test_a_scan_that_loses_the_race_for_a_hand_set_absence_reports_the_winners_record(
    course_now, trainer_a, monkeypatch
):
    """Two scans read the same absence; the one that takes the write lock second finds it
    already turned into an attendance, changes nothing and answers with the first one's time."""
    session, trainee = course_now.current, course_now.trainees[0]
    roster.mark(session, trainee, "absent", "", trainer_a.id)
    db.session.commit()
    take_lock = checkin.write_lock

    def the_other_scan_writes_first():
        monkeypatch.setattr(checkin, "write_lock", take_lock)
        assert checkin.check_in(session, trainee.id, "qr_badge", at=local(8, 5), device="scanner-1").reason == "ok"
        take_lock()

    monkeypatch.setattr(checkin, "write_lock", the_other_scan_writes_first)
    result = checkin.check_in(
        session, trainee.id, "qr_badge", at=local(8, 7), recorded_by_id=trainer_a.id, device="scanner-2"
    )
    db.session.commit()
    assert result.reason == "already_checked_in"
    assert (result.record.status, result.record.method, result.record.at) == ("present", "qr_badge", local(8, 5))
    row = db.session.scalar(select(Attendance).where(Attendance.trainee_id == trainee.id))
    assert (row.method, row.device, row.checked_in_at) == ("qr_badge", "scanner-1", local(8, 5))
    assert [e.data["method"] for e in audit_of(row) if e.action == "attendance.checkin"] == ["qr_badge"]


# --- badge scans: nonces, failures, offline ------------------------------------------------------


def test_a_resent_scan_that_found_the_trainee_already_checked_in_gets_that_answer_again(course_now, trainer_a):
    session, trainee = course_now.current, course_now.trainees[0]
    checkin.scan_badge(session, trainee.personal_code, "nonce-first-01", None, False, trainer_a.id)
    second = checkin.scan_badge(session, trainee.personal_code, "nonce-second-01", None, False, trainer_a.id)
    db.session.commit()
    resent = checkin.scan_badge(session, trainee.personal_code, "nonce-second-01", None, False, trainer_a.id)
    db.session.commit()
    assert second.reason == resent.reason == "already_checked_in"
    assert resent.as_json() == second.as_json()
    assert count(ScanLog) == 2 and count(Attendance) == 1


def test_the_same_nonce_twice_gives_one_row_one_log_and_the_same_answer(course_now, trainer_a, clock):
    session, trainee = course_now.current, course_now.trainees[0]
    first = checkin.scan_badge(session, trainee.personal_code, "nonce-0001", None, False, trainer_a.id, "scanner-1")
    db.session.commit()
    clock.advance(minutes=20)  # a resend after the grace minutes must not turn it late either
    again = checkin.scan_badge(session, trainee.personal_code, "nonce-0001", None, False, trainer_a.id, "scanner-1")
    db.session.commit()
    assert first.as_json() == again.as_json()
    assert again.reason == "ok" and again.record.status == "present"
    assert count(Attendance) == 1
    assert count(ScanLog) == 1
    assert count(AuditEvent, AuditEvent.action == "attendance.checkin") == 1


def test_a_new_nonce_for_the_same_badge_is_already_checked_in(course_now, trainer_a):
    session, trainee = course_now.current, course_now.trainees[0]
    checkin.scan_badge(session, trainee.personal_code, "nonce-0001", None, False, trainer_a.id)
    second = checkin.scan_badge(session, trainee.personal_code.lower(), "nonce-0002", None, False, trainer_a.id)
    db.session.commit()
    assert second.reason == "already_checked_in"
    assert "08:05" in second.message
    assert count(Attendance) == 1 and count(ScanLog) == 2


def test_a_repeated_failed_nonce_is_answered_with_its_reason(course_now, trainer_a):
    first = checkin.scan_badge(course_now.current, "ZZZZZZZZZZ", "nonce-bad-1", None, False, trainer_a.id)
    again = checkin.scan_badge(course_now.current, "ZZZZZZZZZZ", "nonce-bad-1", None, False, trainer_a.id)
    db.session.commit()
    assert first.reason == again.reason == "unknown_code"
    assert count(ScanLog) == 1


def test_a_code_is_read_however_the_scanner_typed_it(course_now, trainer_a):
    trainee = course_now.trainees[0]
    spaced = " ".join([trainee.personal_code[:5].lower(), trainee.personal_code[5:]]) + "\n"
    result = checkin.scan_badge(course_now.current, spaced, None, None, False, trainer_a.id)
    assert result.reason == "ok" and result.trainee.id == trainee.id


@pytest.mark.parametrize(
    "which, reason",
    [
        ("unknown", "unknown_code"),
        ("stranger", "not_enrolled"),
        ("garbage", "invalid_token"),
        ("future", "session_closed"),
        ("past", "session_closed"),
    ],
)
def test_failed_scans_are_logged_with_their_reason(course_now, other_course, trainer_a, which, reason):
    session = {"future": course_now.future, "past": course_now.past}.get(which, course_now.current)
    code = {
        "unknown": "23456789AB",
        "stranger": other_course.trainees[0].personal_code,
        "garbage": "https://example.com/not-a-badge",
    }.get(which, course_now.trainees[0].personal_code)
    result = checkin.scan_badge(session, code, f"nonce-{which}", None, False, trainer_a.id, "scanner-1")
    db.session.commit()
    assert result.reason == reason and not result.ok and result.message
    log = db.session.scalar(select(ScanLog))
    assert (log.reason, log.nonce, log.session_id, log.user_id, log.device) == (
        reason,
        f"nonce-{which}",
        session.id,
        trainer_a.id,
        "scanner-1",
    )
    assert log.code == code[:64]
    assert count(Attendance) == 0


def test_the_logged_code_is_cut_to_its_column(course_now, trainer_a):
    checkin.scan_badge(course_now.current, "X" * 200, None, None, False, trainer_a.id)
    db.session.commit()
    assert db.session.scalar(select(ScanLog.code)) == "X" * 64


@pytest.mark.parametrize("scanned, status", [((8, 10), "present"), ((8, 15), "present"), ((8, 20), "late")])
def test_an_offline_scan_is_judged_at_its_scan_time(course_now, trainer_a, clock, scanned, status):
    clock.set_local(datetime(2026, 3, 3, 9, 30))  # the network came back at 09:30
    result = checkin.scan_badge(
        course_now.current, course_now.trainees[0].personal_code, "nonce-offline", local(*scanned), True, trainer_a.id
    )
    db.session.commit()
    assert result.reason == "ok"
    assert result.record.status == status
    assert result.record.at == local(*scanned)
    log = db.session.scalar(select(ScanLog))
    assert log.offline and log.scanned_at == local(*scanned) and log.received_at is not None


def test_an_offline_scan_made_while_the_session_was_open_counts_after_it_ended(course_now, trainer_a, clock):
    clock.set_local(datetime(2026, 3, 3, 11, 30))
    result = checkin.scan_badge(
        course_now.current, course_now.trainees[0].personal_code, "nonce-late-upload", local(10, 50), True, trainer_a.id
    )
    assert (result.reason, result.record.status) == ("ok", "late")


def test_an_offline_scan_time_in_the_future_is_clamped_to_now(course_now, trainer_a, clock):
    result = checkin.scan_badge(
        course_now.current, course_now.trainees[0].personal_code, "nonce-future", local(10, 0), True, trainer_a.id
    )
    db.session.commit()
    assert result.record.at == clock.now()
    assert result.record.status == "present"
    assert db.session.scalar(select(ScanLog.scanned_at)) == clock.now()


def test_an_online_scan_uses_the_servers_time_not_the_devices(course_now, trainer_a, clock):
    result = checkin.scan_badge(
        course_now.current, course_now.trainees[0].personal_code, "nonce-online", local(7, 0), False, trainer_a.id
    )
    assert result.record.at == clock.now()


# --- attendance shares -------------------------------------------------------------------------


@pytest.fixture
def excused_counting(app, tmp_path, monkeypatch):
    """Load the programmes from a copy whose CT1 lets excused absences count."""
    for toml in Path(app.config["CURRICULA_DIR"]).glob("*.toml"):
        shutil.copy(toml, tmp_path / toml.name)
    ct1 = tmp_path / "ct1.toml"
    text = ct1.read_text(encoding="utf-8")
    assert "excused_counts = false" in text
    ct1.write_text(text.replace("excused_counts = false", "excused_counts = true"), encoding="utf-8")
    monkeypatch.setitem(app.extensions, "curricula", load_catalogue(tmp_path))


def record_week(course_now, trainer_id):
    """Hoa: present, late, nothing yet; Bình: excused, present; Châu: absent, excused."""
    hoa, binh, chau = course_now.trainees
    past, current = course_now.past, course_now.current
    roster.mark(past, hoa, "present", "", trainer_id)
    checkin.check_in(current, hoa.id, "qr_self", at=local(8, 30))
    roster.mark(past, binh, "excused", "Họp xã", trainer_id)
    checkin.check_in(current, binh.id, "qr_badge", at=local(8, 1))
    roster.mark(past, chau, "absent", "", trainer_id)
    roster.mark(current, chau, "excused", "", trainer_id)
    db.session.commit()


def shares(course) -> dict[str, tuple[int, int, float, dict]]:
    return {
        row.enrolment.trainee.full_name: (row.attended_periods, row.required_periods, round(row.share, 4), row.marks)
        for row in course_attendance(course)
    }


def test_late_counts_and_excused_does_not_by_default(course_now, trainer_a):
    record_week(course_now, trainer_a.id)
    assert course_now.course.curriculum.periods == 12
    result = shares(course_now.course)
    assert result["Nguyễn Thị Hoa"][:3] == (8, 12, round(8 / 12, 4))
    assert result["Trần Văn Bình"][:3] == (4, 12, round(4 / 12, 4))
    assert result["Lê Minh Châu"][:3] == (0, 12, 0.0)
    past, current = course_now.past.id, course_now.current.id
    assert result["Nguyễn Thị Hoa"][3] == {past: "present", current: "late"}


def test_excused_counts_when_the_programme_says_so(course_now, trainer_a, excused_counting):
    record_week(course_now, trainer_a.id)
    assert course_now.course.curriculum.completion.excused_counts is True
    result = shares(course_now.course)
    assert result["Nguyễn Thị Hoa"][:3] == (8, 12, round(8 / 12, 4))
    assert result["Trần Văn Bình"][:3] == (8, 12, round(8 / 12, 4))
    assert result["Lê Minh Châu"][:3] == (4, 12, round(4 / 12, 4))


def test_the_share_is_of_the_programmes_periods_not_of_the_sessions_held(course_now, trainer_a, clock):
    """With only two of three sessions scheduled, full attendance is still 8 of 12 periods."""
    hoa = course_now.trainees[0]
    delete_session(course_now.future)
    db.session.commit()
    roster.mark(course_now.past, hoa, "present", "", trainer_a.id)
    roster.mark(course_now.current, hoa, "present", "", trainer_a.id)
    db.session.commit()
    [row] = [r for r in course_attendance(course_now.course) if r.enrolment.trainee_id == hoa.id]
    assert (row.attended_periods, row.required_periods) == (8, 12)
    assert row.share == pytest.approx(8 / 12)


def test_the_order_is_vietnamese_and_withdrawn_trainees_are_left_out(course_now):
    names = [r.enrolment.trainee.full_name for r in course_attendance(course_now.course)]
    # Vietnamese order sorts by the given name: Bình, Châu, Hoa.
    assert names == ["Trần Văn Bình", "Lê Minh Châu", "Nguyễn Thị Hoa"]
    enrolment = next(e for e in course_now.course.enrolments if e.trainee.full_name == "Lê Minh Châu")
    withdraw(enrolment, "Nghỉ việc")
    db.session.commit()
    assert [r.enrolment.trainee.full_name for r in course_attendance(course_now.course)] == [
        "Trần Văn Bình",
        "Nguyễn Thị Hoa",
    ]


def test_the_audit_detail_is_json_with_vietnamese_kept(course_now, trainer_a):
    row = roster.mark(course_now.current, course_now.trainees[0], "absent", "Ốm", trainer_a.id)
    db.session.commit()
    detail = audit_of(row)[0].detail
    assert "Ốm" in detail and json.loads(detail)["after"]["remark"] == "Ốm"


def test_a_check_in_is_one_transaction_with_its_audit_and_scan_log(course_now, trainer_a):
    """Nothing of a scan is kept unless the request commits (an outermost SQLite savepoint
    would commit the row on its own)."""
    result = checkin.scan_badge(
        course_now.current, course_now.trainees[0].personal_code, "nonce-rolled-back", None, False, trainer_a.id
    )
    assert result.reason == "ok"
    db.session.rollback()
    assert count(Attendance) == 0
    assert count(ScanLog) == 0
    assert count(AuditEvent, AuditEvent.action == "attendance.checkin") == 0
