"""The trainer's roster left open all morning: it writes only what the trainer changed, never
over a record that changed meanwhile; marks cleared, everyone else present or absent without
losing the page's ticks; the time of a mark; the audit trail shown."""

import re
from datetime import datetime

from sqlalchemy import select

from tests.attendance.conftest import roster_form
from tests.helpers import count, page_text
from training.attendance import checkin, roster
from training.attendance.models import Attendance
from training.audit import AuditEvent
from training.extensions import db


def status_of(trainee) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(Attendance.status).where(Attendance.trainee_id == trainee.id))


def test_a_stale_roster_saved_after_a_scan_keeps_the_scan_and_names_the_conflict(login, trainer_a, course_now, clock):
    hoa, binh, chau = course_now.trainees
    trainer = login(trainer_a)
    url = f"/sessions/{course_now.current.id}/roster"
    trainer.post(url, data=roster_form(trainer, course_now.current.id, **{f"status_{chau.id}": "absent"}))
    assert status_of(chau) == "absent"
    stale = roster_form(trainer, course_now.current.id)  # the page left open
    clock.advance(minutes=20)
    scanned = trainer.post(
        "/api/v1/checkins", json={"session": course_now.current.id, "code": chau.personal_code, "nonce": "late-badge-1"}
    ).get_json()
    assert scanned["reason"] == "ok" and status_of(chau) == "late"

    # the open page changes someone else, and Châu too (as the trainer still sees her absent)
    response = trainer.post(url, data={**stale, f"status-{binh.id}": "present", f"remark-{chau.id}": "không thấy"})
    assert response.status_code == 302
    text = page_text(trainer.get(url))
    assert status_of(chau) == "late" and status_of(binh) == "present"
    assert "Đã lưu điểm danh: 1 thay đổi." in text
    assert "Chưa ghi đè 1 học viên" in text
    assert f"{chau.full_name}: đã thay đổi sau khi trang được mở (nay Muộn, quét thẻ lúc 08:25)" in text

    # the same page again, Châu untouched: nothing written over her, and she is named as changed
    trainer.post(url, data={**stale, f"status-{hoa.id}": "present"})
    text = page_text(trainer.get(url))
    assert status_of(chau) == "late" and status_of(hoa) == "present"
    assert f"{chau.full_name}: nay Muộn, quét thẻ lúc 08:25." in text


def test_two_roster_pages_saving_the_same_row_the_second_is_refused(login, trainer_a, admin, course_now):
    hoa = course_now.trainees[0]
    first, second = login(trainer_a), login(admin)
    page_one = roster_form(first, course_now.current.id, **{f"status_{hoa.id}": "present"})
    page_two = roster_form(second, course_now.current.id, **{f"status_{hoa.id}": "excused", f"remark_{hoa.id}": "họp"})
    first.post(f"/sessions/{course_now.current.id}/roster", data=page_one)
    second.post(f"/sessions/{course_now.current.id}/roster", data=page_two)
    assert status_of(hoa) == "present"
    assert f"{hoa.full_name}: đã thay đổi sau khi trang được mở (nay Có mặt, giảng viên ghi" in page_text(
        second.get(f"/sessions/{course_now.current.id}/roster")
    )


def test_a_mark_can_be_cleared_and_the_clearing_is_audited(login, trainer_a, course_now):
    hoa = course_now.trainees[0]
    trainer = login(trainer_a)
    url = f"/sessions/{course_now.current.id}/roster"
    trainer.post(url, data=roster_form(trainer, course_now.current.id, **{f"status_{hoa.id}": "present"}))
    assert status_of(hoa) == "present"
    trainer.post(url, data=roster_form(trainer, course_now.current.id, **{f"status_{hoa.id}": ""}))
    assert status_of(hoa) is None
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.clear")).all()
    assert (
        event.actor_id == trainer_a.id and event.data["before"]["status"] == "present" and event.data["after"] is None
    )
    history = page_text(trainer.get(f"/sessions/{course_now.current.id}/history"))
    assert "Giảng viên bỏ điểm danh" in history and hoa.full_name in history


def test_all_present_keeps_the_pages_unsaved_ticks(login, trainer_a, course_now):
    hoa, binh, chau = course_now.trainees
    trainer = login(trainer_a)
    form = roster_form(trainer, course_now.current.id, **{f"status_{binh.id}": "absent", f"remark_{binh.id}": "ốm"})
    response = trainer.post(f"/sessions/{course_now.current.id}/roster", data={**form, "action": "all_present"})
    assert response.status_code == 302
    assert [status_of(t) for t in (hoa, binh, chau)] == ["present", "absent", "present"]


def test_absent_for_the_unmarked_keeps_the_pages_unsaved_ticks(login, trainer_a, course_now):
    hoa, binh, chau = course_now.trainees
    trainer = login(trainer_a)
    form = roster_form(trainer, course_now.current.id, **{f"status_{binh.id}": "present"})
    trainer.post(f"/sessions/{course_now.current.id}/roster", data={**form, "action": "rest_absent"})
    assert [status_of(t) for t in (hoa, binh, chau)] == ["absent", "present", "absent"]


def test_a_mark_by_hand_shows_when_it_was_made_not_the_sessions_start(login, trainer_a, course_now, clock):
    hoa = course_now.trainees[0]
    trainer = login(trainer_a)
    url = f"/sessions/{course_now.current.id}/roster"
    clock.advance(minutes=40)  # 08:45
    trainer.post(url, data=roster_form(trainer, course_now.current.id, **{f"status_{hoa.id}": "present"}))
    clock.advance(minutes=30)
    text = page_text(trainer.get(url))
    assert "08:45 · giảng viên ghi" in text and "08:00 · giảng viên ghi" not in text


def test_a_session_more_than_a_day_ahead_cannot_be_marked(login, trainer_a, course_now, clock):
    hoa = course_now.trainees[0]
    clock.set_local(datetime(2026, 3, 2, 7, 0))  # Monday: Wednesday's session is two days away
    trainer = login(trainer_a)
    url = f"/sessions/{course_now.future.id}/roster"
    page = page_text(trainer.get(url))
    message = "Buổi học ngày 04/03/2026 chưa đến: chỉ điểm danh được từ một ngày trước buổi học."
    assert message in page and "Lưu điểm danh" not in page
    form = {f"v-{hoa.id}": "", f"was-{hoa.id}": "", f"status-{hoa.id}": "present"}
    trainer.post(url, data=form)
    assert message in page_text(trainer.get(url))
    assert count(Attendance) == 0


def test_the_roster_labels_each_choice_with_the_status_and_the_person(login, trainer_a, course_now):
    hoa = course_now.trainees[0]
    response = login(trainer_a).get(f"/sessions/{course_now.current.id}/roster")
    text = page_text(response)
    assert response.headers["Cache-Control"] == "no-store"
    for label in ("Có mặt", "Muộn", "Vắng", "Có phép", "Chưa ghi"):
        assert f'aria-label="{label}: {hoa.full_name}"' in text
    assert f'aria-label="Ghi chú: {hoa.full_name}"' in text
    visible = re.sub(r"<[^>]+>", " ", text)
    for code in ("present", "late", "absent", "excused", "qr_self", "qr_badge", "manual"):
        assert not re.search(rf"\b{code}\b", visible), code
    assert 'src="/static/js/roster.js' in text  # the warning on leaving unsaved changes


def test_the_attendance_history_of_a_session_and_of_a_trainee(login, trainer_a, trainer_b, client, course_now, clock):
    hoa = course_now.trainees[0]
    checkin.check_in(course_now.current, hoa.id, "qr_self", device="phone-1")
    db.session.commit()
    clock.advance(minutes=5)
    roster.mark(course_now.current, hoa, "excused", "về sớm", trainer_a.id)
    db.session.commit()
    trainer = login(trainer_a)
    for url in (f"/sessions/{course_now.current.id}/history", f"/trainees/{hoa.id}/attendance-history"):
        response = trainer.get(url)
        text = page_text(response)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        assert "Học viên tự quét mã QR" in text and "Học viên (điện thoại)" in text
        assert "Giảng viên ghi" in text and "Trainer.A" in text and "Có phép (về sớm)" in text
        assert text.index("Giảng viên ghi") < text.index("Học viên tự quét mã QR")  # newest first
        assert login(trainer_b).get(url).status_code == 403
        assert client.get(url).status_code == 302
    assert f'href="/trainees/{hoa.id}/attendance-history"' in page_text(trainer.get(f"/trainees/{hoa.id}"))
    assert f'href="/sessions/{course_now.current.id}/history"' in page_text(
        trainer.get(f"/sessions/{course_now.current.id}/roster")
    )
