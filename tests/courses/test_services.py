"""Course services: session planning, clashes, enrolment rules, status and the audit trail."""

import csv
import io
from datetime import date, time, timedelta

import pytest
from openpyxl import Workbook

from tests.courses.conftest import MONDAY, VENUE, enrolled_ids, local_span, move_to, periods_by_module
from tests.helpers import count
from tests.queries import statements_sent
from training import audit
from training.attendance.models import Attendance
from training.auth.permissions import may_change_course, may_reopen_course
from training.courses import services
from training.courses.enrolment import EnrolmentRejected, eligible_by_filter, enrol_many, import_enrolments, withdraw
from training.courses.models import Course, CourseSession, Enrolment
from training.courses.planning import (
    delete_session,
    generate_sessions,
    period_mismatches,
    plan_sessions,
    save_session,
    session_break,
    slot_layout,
    split_session,
)
from training.courses.services import ConflictError, CourseError
from training.curricula import catalogue
from training.extensions import db
from training.people import group_label
from training.people.list_reader import ImportRejected

pytestmark = pytest.mark.usefixtures("in_request")

PROGRAMMES = ["CT1", "CT2", "CT3", "CT4"]
MORNING, AFTERNOON = (time(7, 30), time(11, 30)), (time(13, 30), time(17, 0))
FRIDAY = MONDAY + timedelta(days=4)
OTHER_VENUE = "Nhà văn hóa xã Đồng Kỳ"


def required_periods(programme: str) -> dict[str, int]:
    return {m.code: m.periods for m in catalogue().current(programme).modules}


def minutes(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


# --- planning -------------------------------------------------------------------------------


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_plan_carries_exactly_the_programme_periods_per_module(make_course, programme):
    course = make_course(programme)
    planned: dict[str, int] = {}
    for item in plan_sessions(course, course.curriculum):
        planned[item.module_code] = planned.get(item.module_code, 0) + item.periods
    assert planned == required_periods(programme)


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_generated_sessions_carry_exactly_the_programme_periods_per_module(make_course, programme):
    course = make_course(programme, sessions=True)
    assert periods_by_module(course) == required_periods(programme)
    assert sum(s.periods for s in course.sessions) == course.curriculum.periods
    # and in the programme's order, each module's sessions one after another
    order = [m.code for m in course.curriculum.modules]
    seen = [s.module_code for s in course.sessions]
    assert sorted(seen, key=order.index) == seen


@pytest.mark.parametrize("programme", PROGRAMMES)
def test_generated_sessions_stay_inside_the_half_day_slots(make_course, programme):
    course = make_course(programme, sessions=True)
    assert course.sessions
    for session in course.sessions:
        day, start, end = local_span(session)
        assert (MORNING[0] <= start and end <= MORNING[1]) or (AFTERNOON[0] <= start and end <= AFTERNOON[1]), session
        assert minutes(start, end) == session.periods * 45 + (15 if session_break(session) else 0)
        assert day.weekday() != 6, f"{session!r} on a Sunday"
        assert session.venue == VENUE
        assert session.trainer == course.trainers[0]
    assert local_span(course.sessions[0])[:2] == (MONDAY, time(7, 30))
    assert course.starts_on == MONDAY
    assert course.ends_on == local_span(course.sessions[-1])[0]


def test_sundays_are_skipped_by_default_and_saturdays_are_taught(make_course):
    course = make_course("CT2", starts_on=FRIDAY, sessions=True)  # 32 periods: more than two days
    days = {local_span(s)[0] for s in course.sessions}
    assert FRIDAY + timedelta(days=1) in days  # Saturday
    assert FRIDAY + timedelta(days=2) not in days  # Sunday
    assert all(d.weekday() != 6 for d in days)


def test_saturdays_are_skipped_when_the_course_says_so(make_course):
    course = make_course("CT2", starts_on=FRIDAY, skip_saturdays=True, sessions=True)
    days = sorted({local_span(s)[0] for s in course.sessions})
    assert all(d.weekday() < 5 for d in days)
    assert days[:2] == [FRIDAY, FRIDAY + timedelta(days=3)]


def test_a_start_on_sunday_moves_to_monday(make_course):
    course = make_course("CT1", starts_on=MONDAY - timedelta(days=1), sessions=True)
    assert local_span(course.sessions[0])[0] == MONDAY
    assert course.starts_on == MONDAY


def test_sundays_are_taught_when_the_course_says_so(make_course):
    sunday = MONDAY - timedelta(days=1)
    course = make_course("CT1", starts_on=sunday, skip_sundays=False, sessions=True)
    assert local_span(course.sessions[0])[0] == sunday


def test_custom_slot_times_are_used(make_course):
    course = make_course(
        "CT2",
        morning_start=time(8, 0),
        morning_end=time(11, 0),
        afternoon_start=time(14, 0),
        afternoon_end=time(16, 15),
        sessions=True,
    )
    assert periods_by_module(course) == required_periods("CT2")
    for session in course.sessions:
        _day, start, end = local_span(session)
        assert (time(8, 0) <= start and end <= time(11, 0)) or (time(14, 0) <= start and end <= time(16, 15)), session
        assert minutes(start, end) == session.periods * 45 + (15 if session_break(session) else 0)
    starts = {local_span(s)[1] for s in course.sessions}
    assert {time(8, 0), time(14, 0)} <= starts


def test_every_half_day_has_a_fifteen_minute_break_in_the_middle(make_course):
    # CT2's modules of 8 periods fill whole mornings; CT1's of 4 whole afternoons.
    sessions = (
        make_course("CT2", sessions=True).sessions
        + make_course("CT1", starts_on=MONDAY + timedelta(days=7), sessions=True).sessions
    )
    spans = {(local_span(s)[1], local_span(s)[2], s.periods): session_break(s) for s in sessions}
    morning = next(pause for (start, _end, periods), pause in spans.items() if start == time(7, 30) and periods == 5)
    afternoon = next(pause for (start, _end, periods), pause in spans.items() if start == time(13, 30) and periods == 4)
    assert (time(7, 30), time(11, 30), 5) in spans and (time(13, 30), time(16, 45), 4) in spans
    assert [t.strftime("%H:%M") for t in morning] == ["09:45", "10:00"]
    assert [t.strftime("%H:%M") for t in afternoon] == ["15:00", "15:15"]
    # Nobody teaches more than three periods (2 h 15) on end.
    for session in sessions:
        _day, start, end = local_span(session)
        pause = session_break(session)
        stretches = [minutes(start, pause[0].time()), minutes(pause[1].time(), end)] if pause else [minutes(start, end)]
        assert max(stretches) <= 3 * 45, session


def test_the_slot_layout_keeps_the_periods_of_the_default_slots():
    assert slot_layout(time(7, 30), time(11, 30)) == (5, 3)
    assert slot_layout(time(13, 30), time(17, 0)) == (4, 2)
    assert slot_layout(time(7, 30), time(9, 0)) == (2, 2)  # no room for a break besides two periods


def test_a_session_planned_before_breaks_prints_none(make_course):
    course = make_course("CT1")
    session = save_session(course, None, "CT1.1", MONDAY, time(7, 30), time(11, 15), VENUE, None, periods=5)
    db.session.commit()
    assert session_break(session) is None
    assert local_span(session)[1:] == (time(7, 30), time(11, 15))


def test_a_slot_too_short_for_one_period_is_refused(make_course):
    course = make_course(
        "CT1",
        morning_start=time(7, 30),
        morning_end=time(8, 0),
        afternoon_start=time(13, 30),
        afternoon_end=time(14, 0),
    )
    with pytest.raises(CourseError, match="45 phút"):
        plan_sessions(course, course.curriculum)


def test_generating_again_replaces_the_sessions(make_course):
    course = make_course("CT1", sessions=True)
    before = len(course.sessions)
    generate_sessions(course)
    db.session.commit()
    assert count(CourseSession, CourseSession.course_id == course.id) == before


# --- conflicts ------------------------------------------------------------------------------


def first_slot_text(course: Course) -> str:
    day, start, end = local_span(course.sessions[0])
    return f"{day:%d/%m/%Y}, {start:%H:%M}–{end:%H:%M}"


def test_same_trainer_at_overlapping_times_is_refused_and_named(make_course):
    first = make_course("CT1", sessions=True)
    second = make_course("CT1", venue=OTHER_VENUE)
    with pytest.raises(ConflictError) as refused:
        generate_sessions(second)
    message = str(refused.value)
    assert "Trainer.A" in message
    assert first.code in message
    assert first_slot_text(first) in message
    db.session.rollback()
    assert count(CourseSession, CourseSession.course_id == second.id) == 0


def test_same_trainer_moved_onto_another_course_is_refused(make_course):
    first = make_course("CT1", sessions=True)
    second = make_course("CT1", venue=OTHER_VENUE, starts_on=MONDAY + timedelta(days=7), sessions=True)
    session = second.sessions[0]
    with pytest.raises(ConflictError, match=first.code):
        save_session(
            second, session, session.module_code, MONDAY, time(8, 0), time(9, 30), OTHER_VENUE, session.trainer_id
        )


def test_a_clash_names_the_trainer_the_session_is_being_given_to(make_course, trainer_a, trainer_a2):
    first = make_course("CT1", sessions=True)
    second = make_course(
        "CT1", venue=OTHER_VENUE, trainers=[trainer_a2], starts_on=MONDAY + timedelta(days=7), sessions=True
    )
    session = second.sessions[0]
    assert session.trainer == trainer_a2
    with pytest.raises(ConflictError) as refused:
        save_session(second, session, session.module_code, MONDAY, time(7, 30), time(9, 0), OTHER_VENUE, trainer_a.id)
    message = str(refused.value)
    assert message.startswith("Giảng viên Trainer.A đã có lịch")
    assert first.code in message


def test_sessions_that_only_touch_do_not_clash(make_course):
    first = make_course("CT1", sessions=True)  # CT1.1 07:30–10:45 on MONDAY (break 09:45–10:00)
    second = make_course("CT1", venue=OTHER_VENUE, starts_on=MONDAY + timedelta(days=7))
    save_session(second, None, "CT1.1", MONDAY, time(10, 45), time(11, 30), VENUE, first.trainers[0].id)
    save_session(second, None, "CT1.1", MONDAY, time(6, 45), time(7, 30), VENUE, first.trainers[0].id)
    db.session.commit()
    assert count(CourseSession, CourseSession.course_id == second.id) == 2


def test_a_refused_regeneration_keeps_the_sessions(make_course, trainer_a):
    first = make_course("CT1", sessions=True)
    second = make_course("CT1", venue=OTHER_VENUE, starts_on=MONDAY + timedelta(days=7), sessions=True)
    before = [(s.id, s.starts_at) for s in second.sessions]
    services.update_course(second, second.title, second.venue, MONDAY, second.capacity, [trainer_a.id], "")
    with pytest.raises(ConflictError, match=first.code):
        generate_sessions(second)
    db.session.rollback()
    db.session.refresh(second)
    assert [(s.id, s.starts_at) for s in second.sessions] == before


def test_same_venue_at_overlapping_times_is_refused_ignoring_accents_and_case(make_course, trainer_a2):
    first = make_course("CT1", sessions=True)
    second = make_course("CT1", venue="  hoi truong ubnd HUYỆN yen the ", trainers=[trainer_a2])
    with pytest.raises(ConflictError) as refused:
        generate_sessions(second)
    message = str(refused.value)
    assert "Địa điểm" in message
    assert first.code in message
    assert first_slot_text(first) in message


def test_a_generated_plan_with_a_shared_trainee_is_refused_and_named(make_course, make_trainee, trainer_a2):
    """Another trainer and venue, but a trainee enrolled in both courses: the plan is refused
    before any of its sessions stays."""
    trainee = make_trainee("Nguyễn Thị Hương")
    first = make_course("CT1", sessions=True)
    second = make_course("CT1", venue=OTHER_VENUE, trainers=[trainer_a2])
    enrol_many(first, [trainee])
    enrol_many(second, [trainee])  # no sessions yet, so no clash yet
    db.session.commit()
    with pytest.raises(ConflictError) as refused:
        generate_sessions(second)
    message = str(refused.value)
    assert message.startswith("Học viên Nguyễn Thị Hương đã ghi danh") and first.code in message
    assert first_slot_text(first) in message
    db.session.rollback()
    assert count(CourseSession, CourseSession.course_id == second.id) == 0


def test_a_plan_is_checked_for_clashes_in_as_many_reads_whatever_its_length(make_course, trainer_a2):
    """CT1 has 3 sessions, CT2 8: generating either reads the same number of times (the
    clash checks look at the whole plan at once)."""
    make_course("CT1", sessions=True)
    reads = {}
    for programme, venue in (("CT1", OTHER_VENUE), ("CT2", "Hội trường xã Hồng Kỳ")):
        course = make_course(programme, venue=venue, trainers=[trainer_a2], starts_on=MONDAY + timedelta(days=21))
        with statements_sent() as sent:
            created = generate_sessions(course)
        reads[programme] = (len(created), sent.reads)
        db.session.rollback()
    assert reads["CT1"][0] < reads["CT2"][0]
    assert reads["CT1"][1] == reads["CT2"][1], reads


def test_different_venues_and_trainers_at_the_same_time_are_fine(make_course, trainer_a2):
    make_course("CT1", sessions=True)
    second = make_course("CT1", venue=OTHER_VENUE, trainers=[trainer_a2], sessions=True)
    assert len(second.sessions) == 3


def test_trainee_in_two_overlapping_courses_is_refused_at_enrolment(make_course, make_trainee, trainer_a2):
    trainee = make_trainee("Nguyễn Thị Hương")
    first = make_course("CT1", sessions=True)
    enrol_many(first, [trainee])
    db.session.commit()
    second = make_course("CT1", venue=OTHER_VENUE, trainers=[trainer_a2], sessions=True)
    with pytest.raises(EnrolmentRejected) as refused:
        enrol_many(second, [trainee])
    message = str(refused.value)
    assert "Nguyễn Thị Hương" in message
    assert first.code in message
    assert first_slot_text(first) in message
    db.session.rollback()
    assert enrolled_ids(second) == set()


def test_trainee_clash_when_a_session_is_moved_onto_the_other_course(make_course, make_trainee, trainer_a2):
    trainee = make_trainee("Nguyễn Thị Hương")
    first = make_course("CT1", sessions=True)
    second = make_course(
        "CT1", venue=OTHER_VENUE, trainers=[trainer_a2], starts_on=MONDAY + timedelta(days=2), sessions=True
    )
    enrol_many(first, [trainee])
    enrol_many(second, [trainee])  # no overlap yet
    db.session.commit()
    session = second.sessions[0]
    with pytest.raises(ConflictError) as refused:
        save_session(
            second, session, session.module_code, MONDAY, time(7, 30), time(10, 30), OTHER_VENUE, trainer_a2.id
        )
    message = str(refused.value)
    assert "Nguyễn Thị Hương" in message
    assert first.code in message
    assert first_slot_text(first) in message


def test_a_cancelled_course_does_not_clash(make_course, make_trainee):
    trainee = make_trainee()
    first = make_course("CT1", sessions=True)
    enrol_many(first, [trainee])
    move_to(first, "cancelled", reason="Trùng lịch họp Huyện ủy")
    second = make_course("CT1", sessions=True)  # same trainer, same venue, same times
    enrol_many(second, [trainee])
    db.session.commit()
    assert len(second.sessions) == 3
    assert enrolled_ids(second) == {trainee.id}


# --- enrolment ------------------------------------------------------------------------------


def test_trainee_of_the_wrong_group_is_refused_with_the_reason(make_course, make_trainee):
    course = make_course("CT1")  # for commune_broadcast only
    trainee = make_trainee("Phạm Văn Đoàn", group="party_mass_org")
    with pytest.raises(EnrolmentRejected) as refused:
        enrol_many(course, [trainee])
    assert refused.value.reasons == [
        f"Phạm Văn Đoàn thuộc nhóm đối tượng khác: chương trình CT1 dành cho {group_label('commune_broadcast')}."
    ]


def test_party_group_is_welcome_in_ct3(make_course, make_trainee):
    course = make_course("CT3")
    trainee = make_trainee(group="party_mass_org")
    enrol_many(course, [trainee])
    db.session.commit()
    assert enrolled_ids(course) == {trainee.id}


def test_trainee_of_another_district_is_refused(make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee("Lê Thị Ngọc", commune="Xã Ngọc Thiện")
    with pytest.raises(EnrolmentRejected, match="Lê Thị Ngọc không thuộc đơn vị tổ chức"):
        enrol_many(course, [trainee])


def test_enrolling_twice_is_refused(make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee("Lê Thị Ngọc")
    enrol_many(course, [trainee])
    db.session.commit()
    with pytest.raises(EnrolmentRejected, match="đã ghi danh khóa học này"):
        enrol_many(course, [trainee])


def test_a_bad_trainee_refuses_the_whole_batch(make_course, make_trainee):
    course = make_course("CT1")
    good = make_trainee()
    bad = make_trainee("Phạm Văn Đoàn", group="party_mass_org")
    with pytest.raises(EnrolmentRejected):
        enrol_many(course, [good, bad])
    db.session.rollback()
    assert count(Enrolment, Enrolment.course_id == course.id) == 0


def test_capacity_is_enforced(make_course, make_trainee):
    course = make_course("CT1", capacity=3)
    trainees = [make_trainee() for _ in range(4)]
    for trainee in trainees[:3]:
        enrol_many(course, [trainee])
        db.session.commit()
    assert len(enrolled_ids(course)) == 3
    with pytest.raises(EnrolmentRejected, match="còn 0 chỗ"):
        enrol_many(course, [trainees[3]])
    db.session.rollback()
    assert len(enrolled_ids(course)) == 3


def test_bulk_enrolment_beyond_capacity_is_refused_as_a_whole(make_course, make_trainee):
    course = make_course("CT1", capacity=2)
    trainees = [make_trainee() for _ in range(3)]
    with pytest.raises(EnrolmentRejected) as refused:
        enrol_many(course, trainees)
    assert "còn 2 chỗ" in str(refused.value) and "3 học viên" in str(refused.value)
    db.session.rollback()
    assert count(Enrolment, Enrolment.course_id == course.id) == 0


def test_withdraw_needs_a_reason(make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee()
    (enrolment,) = enrol_many(course, [trainee])
    db.session.commit()
    for reason in ("", "   "):
        with pytest.raises(CourseError, match="lý do"):
            withdraw(enrolment, reason)
    db.session.rollback()
    assert db.session.get(Enrolment, enrolment.id).status == "enrolled"


def test_withdraw_frees_a_place_and_is_audited(make_course, make_trainee):
    course = make_course("CT1", capacity=1)
    first, second = make_trainee(), make_trainee()
    (enrolment,) = enrol_many(course, [first])
    db.session.commit()
    withdraw(enrolment, "  Chuyển công tác ")
    db.session.commit()
    assert enrolment.status == "withdrawn" and enrolment.withdraw_reason == "Chuyển công tác"
    enrol_many(course, [second])
    db.session.commit()
    assert enrolled_ids(course) == {second.id}
    (event,) = audit.history(enrolment)
    assert event.action == "enrolment.withdraw"
    assert event.data["reason"] == "Chuyển công tác"


def test_withdrawing_twice_is_refused_and_keeps_the_first_reason(make_course, make_trainee):
    course = make_course("CT1")
    (enrolment,) = enrol_many(course, [make_trainee()])
    withdraw(enrolment, "Chuyển công tác")
    db.session.commit()
    with pytest.raises(CourseError, match="từ trước"):
        withdraw(enrolment, "Lý do khác")
    db.session.rollback()
    assert db.session.get(Enrolment, enrolment.id).withdraw_reason == "Chuyển công tác"
    assert len(audit.history(enrolment)) == 1


def test_re_enrolment_after_withdrawal_reuses_the_record(make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee()
    (enrolment,) = enrol_many(course, [trainee])
    withdraw(enrolment, "Ốm")
    db.session.commit()
    (again,) = enrol_many(course, [trainee])
    db.session.commit()
    assert again.id == enrolment.id
    assert again.status == "enrolled" and again.withdraw_reason == ""
    assert count(Enrolment, Enrolment.course_id == course.id) == 1


def test_eligible_by_filter_takes_the_right_group_and_district_only(make_course, make_trainee):
    course = make_course("CT1")
    wanted = make_trainee("Đỗ Thị Ánh", commune="Xã Hồng Kỳ")
    make_trainee("Đỗ Văn Bình", commune="Xã Hồng Kỳ", group="party_mass_org")
    make_trainee("Đỗ Văn Cường", commune="Xã Ngọc Thiện")
    other_commune = make_trainee("Đỗ Thị Hằng", commune="Xã Đồng Kỳ")
    assert {t.id for t in eligible_by_filter(course, None, None)} == {wanted.id, other_commune.id}
    hong_ky = wanted.commune_id
    assert [t.id for t in eligible_by_filter(course, hong_ky, None)] == [wanted.id]
    assert eligible_by_filter(course, hong_ky, "party_mass_org") == []
    enrol_many(course, [wanted])
    assert eligible_by_filter(course, hong_ky, None) == []


# --- status ---------------------------------------------------------------------------------

#: how to bring a fresh course (with sessions) to each status
PATH = {
    "draft": (),
    "open": ("open",),
    "running": ("open", "running"),
    "closed": ("open", "running", "closed"),
    "cancelled": ("cancelled",),
}
ALLOWED = {
    ("draft", "open"),
    ("draft", "cancelled"),
    ("open", "draft"),
    ("open", "running"),
    ("open", "cancelled"),
    ("running", "closed"),
    ("running", "cancelled"),
    ("closed", "running"),
}
STATUSES = list(PATH)
DISALLOWED = sorted((a, b) for a in STATUSES for b in STATUSES if (a, b) not in ALLOWED)


@pytest.fixture
def course_in(make_course, acting_as, admin):
    def _make(status: str) -> Course:
        acting_as(admin)
        course = make_course("CT1", sessions=True)
        return move_to(course, *PATH[status], reason="Lý do thử")

    return _make


@pytest.mark.parametrize("before,after", sorted(ALLOWED))
def test_every_allowed_status_change_works_and_is_audited(course_in, before, after, admin):
    course = course_in(before)
    services.change_status(course, after, "Theo chỉ đạo của Sở", admin)
    db.session.commit()
    assert course.status == after
    event = audit.history(course)[0]
    assert event.action == ("course.reopen" if before == "closed" else "course.status")
    assert event.actor_id == admin.id
    assert event.data["before"] == before and event.data["after"] == after
    assert event.data["reason"] == "Theo chỉ đạo của Sở"


@pytest.mark.parametrize("before,after", DISALLOWED)
def test_every_other_status_change_is_refused(course_in, before, after):
    course = course_in(before)
    events = len(audit.history(course))
    with pytest.raises(CourseError, match="Không thể chuyển"):
        services.change_status(course, after, "Lý do")
    assert course.status == before
    assert len(audit.history(course)) == events


def test_cancel_needs_a_reason(make_course):
    course = make_course("CT1", sessions=True)
    for reason in ("", "  "):
        with pytest.raises(CourseError, match="lý do hủy"):
            services.change_status(course, "cancelled", reason)
    assert course.status == "draft"
    services.change_status(course, "cancelled", " Không đủ học viên ")
    assert course.cancel_reason == "Không đủ học viên"


def test_open_without_sessions_is_refused(make_course):
    course = make_course("CT1")
    with pytest.raises(CourseError, match="chưa có buổi học"):
        services.change_status(course, "open")
    assert course.status == "draft"


def test_running_without_sessions_is_refused(make_course):
    course = move_to(make_course("CT1", sessions=True), "open")
    for session in list(course.sessions):
        delete_session(session)
    db.session.commit()
    with pytest.raises(CourseError, match="chưa có buổi học"):
        services.change_status(course, "running")
    assert course.status == "open"


def test_only_the_admin_reopens_a_closed_course(make_course, acting_as, trainer_a, admin):
    course = move_to(make_course("CT1", sessions=True), "open", "running", "closed")
    acting_as(admin)  # the user signed in is not who the service asks about: `by` is
    for by in (trainer_a, None):  # a trainer, or a command that names no one
        with pytest.raises(CourseError, match="quản trị viên"):
            services.change_status(course, "running", "Sửa điểm", by)
    assert course.status == "closed"
    with pytest.raises(CourseError, match="lý do mở lại"):
        services.change_status(course, "running", by=admin)
    services.change_status(course, "running", "Sửa điểm nhập nhầm của một học viên", admin)
    assert course.status == "running"


@pytest.mark.parametrize("status", STATUSES)
def test_a_trainer_changes_their_units_course_until_it_ends_and_the_admin_also_after(
    course_in, status, admin, trainer_a, trainer_b
):
    course = course_in(status)
    ended = status in ("closed", "cancelled")
    assert may_change_course(trainer_a, course) is not ended
    assert may_change_course(trainer_b, course) is False  # another district's
    assert may_change_course(admin, course) is True
    assert (may_reopen_course(admin), may_reopen_course(trainer_a), may_reopen_course(None)) == (True, False, False)


def test_status_changes_are_written_to_the_audit_trail_in_order(make_course, acting_as, trainer_a):
    acting_as(trainer_a)
    course = move_to(make_course("CT1", sessions=True), "open", "running")
    events = audit.history(course)
    assert [(e.data["before"], e.data["after"]) for e in events] == [("open", "running"), ("draft", "open")]
    assert {e.actor_id for e in events} == {trainer_a.id}
    assert {e.object_ref for e in events} == {f"course:{course.id}"}


# --- editing sessions -----------------------------------------------------------------------


def test_a_split_at_the_break_leaves_it_between_the_halves(make_course):
    course = make_course("CT1", sessions=True)
    first, second = split_session(course.sessions[0], 3)
    db.session.commit()
    assert local_span(first)[1:] == (time(7, 30), time(9, 45)) and local_span(second)[1:] == (time(10, 0), time(10, 45))
    assert session_break(first) is None and session_break(second) is None


def test_split_session_keeps_the_periods_and_the_time(make_course):
    course = make_course("CT1", sessions=True)
    session = course.sessions[0]  # CT1.1, 07:30–10:45 with the break at 09:45–10:00, 4 periods
    first, second = split_session(session, 1)
    db.session.commit()
    db.session.refresh(course)
    assert (first.periods, second.periods) == (1, 3)
    assert local_span(first)[1:] == (time(7, 30), time(8, 15))
    assert local_span(second)[1:] == (time(8, 15), time(10, 45))
    assert [t.strftime("%H:%M") for t in session_break(second)] == ["09:45", "10:00"]
    assert second.module_code == first.module_code and second.venue == first.venue
    assert second.trainer_id == first.trainer_id
    assert len(course.sessions) == 4
    assert period_mismatches(course) == []


@pytest.mark.parametrize("first_periods", [0, 4, 5, -1])
def test_split_outside_the_session_is_refused(make_course, first_periods):
    course = make_course("CT1", sessions=True)
    with pytest.raises(CourseError, match="từ 1 đến 3 tiết"):
        split_session(course.sessions[0], first_periods)


def test_delete_session_updates_the_dates_and_reports_the_gap(make_course):
    course = make_course("CT1", sessions=True)
    last = course.sessions[-1]
    assert course.ends_on == local_span(last)[0] == MONDAY + timedelta(days=1)
    delete_session(last)
    db.session.commit()
    assert count(CourseSession, CourseSession.course_id == course.id) == 2
    assert course.ends_on == MONDAY
    ((code, _title, planned, required),) = period_mismatches(course)
    assert (code, planned, required) == ("CT1.3", 0, 4)


def record_attendance(course: Course, trainee) -> None:
    db.session.add(
        Attendance(session_id=course.sessions[0].id, trainee_id=trainee.id, status="present", method="manual")
    )
    db.session.commit()


def test_a_session_with_attendance_cannot_be_deleted(make_course, make_trainee):
    course = make_course("CT1", sessions=True)
    record_attendance(course, make_trainee())
    with pytest.raises(CourseError, match="điểm danh"):
        delete_session(course.sessions[0])
    delete_session(course.sessions[1])  # the others can
    db.session.commit()
    assert count(CourseSession, CourseSession.course_id == course.id) == 2


def test_a_course_with_attendance_is_not_regenerated(make_course, make_trainee):
    course = make_course("CT1", sessions=True)
    record_attendance(course, make_trainee())
    with pytest.raises(CourseError, match="điểm danh"):
        generate_sessions(course)
    assert count(CourseSession, CourseSession.course_id == course.id) == 3


def test_period_mismatches_reported_after_an_edit(make_course):
    course = make_course("CT1", sessions=True)
    assert period_mismatches(course) == []
    session = course.sessions[0]
    save_session(course, session, "CT1.1", MONDAY, time(7, 30), time(9, 0), VENUE, session.trainer_id)
    db.session.commit()
    assert session.periods == 2
    (mismatch,) = period_mismatches(course)
    assert mismatch[0] == "CT1.1" and mismatch[2:] == (2, 4)


def test_moving_a_session_to_another_day_updates_the_course_dates(make_course):
    course = make_course("CT1", sessions=True)
    session = course.sessions[-1]
    later = MONDAY + timedelta(days=9)
    save_session(course, session, session.module_code, later, time(13, 30), time(16, 30), VENUE, session.trainer_id, 4)
    db.session.commit()
    assert local_span(session) == (later, time(13, 30), time(16, 30))
    assert course.ends_on == later
    assert period_mismatches(course) == []


def test_adding_a_session_of_an_unknown_module_is_refused(make_course):
    course = make_course("CT1")
    with pytest.raises(CourseError, match="CT2.1"):
        save_session(course, None, "CT2.1", MONDAY, time(7, 30), time(9, 0), VENUE, None)


def test_a_session_ending_before_it_starts_is_refused(make_course):
    course = make_course("CT1")
    with pytest.raises(CourseError, match="Giờ kết thúc"):
        save_session(course, None, "CT1.1", MONDAY, time(9, 0), time(9, 0), VENUE, None)


def test_a_session_trainer_of_another_district_is_refused(make_course, trainer_b):
    course = make_course("CT1")
    with pytest.raises(CourseError, match="Giảng viên phải thuộc đơn vị tổ chức khóa học"):
        save_session(course, None, "CT1.1", MONDAY, time(7, 30), time(9, 0), VENUE, trainer_b.id)


# --- courses --------------------------------------------------------------------------------


def test_course_codes_count_per_district_year_and_programme(make_course, trainer_b):
    assert make_course("CT1").code == "215-2026-CT1-01"
    assert make_course("CT1", venue=OTHER_VENUE).code == "215-2026-CT1-02"
    assert make_course("CT2").code == "215-2026-CT2-01"
    assert make_course("CT1", starts_on=date(2027, 3, 1)).code == "215-2027-CT1-01"
    assert make_course("CT1", district="B", trainers=[trainer_b]).code == "216-2026-CT1-01"


def test_programme_version_is_pinned(make_course):
    course = make_course("CT2")
    assert (course.curriculum_code, course.curriculum_version) == ("CT2", catalogue().current("CT2").version)
    assert course.title == catalogue().current("CT2").title


def test_a_trainer_of_another_district_cannot_teach_the_course(units, trainer_b):
    with pytest.raises(CourseError, match="Giảng viên phải thuộc đơn vị tổ chức khóa học"):
        services.create_course(units["A"].id, "CT1", "", VENUE, MONDAY, 30, [trainer_b.id])


def test_a_postponed_course_is_generated_from_its_new_start_date(make_course, trainer_a):
    course = make_course("CT1", sessions=True)
    later = MONDAY + timedelta(days=14)
    services.update_course(course, course.title, course.venue, later, course.capacity, [trainer_a.id], "")
    db.session.commit()
    assert course.starts_on == later  # kept, not snapped back to the old first session
    assert course.ends_on == later
    generate_sessions(course)
    db.session.commit()
    assert local_span(course.sessions[0])[0] == later
    assert (course.starts_on, course.ends_on) == (later, later + timedelta(days=1))


def test_editing_other_details_keeps_the_dates_of_the_sessions(make_course, trainer_a):
    course = make_course("CT1", sessions=True)
    services.update_course(course, "Lớp mới", course.venue, course.starts_on, 20, [trainer_a.id], "")
    assert (course.starts_on, course.ends_on) == (MONDAY, MONDAY + timedelta(days=1))


def test_capacity_cannot_drop_below_the_enrolment(make_course, make_trainee, trainer_a):
    course = make_course("CT1", capacity=5)
    enrol_many(course, [make_trainee(), make_trainee()])
    with pytest.raises(CourseError, match="2 học viên"):
        services.update_course(course, course.title, course.venue, course.starts_on, 1, [trainer_a.id], "")


# --- enrolment from a file ------------------------------------------------------------------


def csv_file(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["Mã cá nhân", "Họ và tên", "Ngày sinh", "Xã/phường"], *rows])
    return out.getvalue().encode("utf-8")


def test_import_enrols_by_code_and_by_name_and_birth_date(make_course, make_trainee):
    course = make_course("CT1")
    by_code = make_trainee("Nguyễn Thị Hương")
    by_name = make_trainee("Trần Văn Hướng", birth_date=date(1979, 11, 2))
    content = csv_file(
        [
            [by_code.personal_code.lower(), "", "", ""],
            ["", "tran van huong", "02/11/1979", ""],
        ]
    )
    enrolled = import_enrolments(course, "danh-sach.csv", content).enrolled
    db.session.commit()
    assert {e.trainee_id for e in enrolled} == enrolled_ids(course) == {by_code.id, by_name.id}


def test_import_from_xlsx(make_course, make_trainee):
    course = make_course("CT1")
    trainee = make_trainee("Trần Văn Hướng", birth_date=date(1979, 11, 2))
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH HỌC VIÊN"])
    sheet.append([])
    sheet.append(["STT", "Họ và tên", "Ngày sinh"])
    sheet.append([1, "Trần Văn Hướng", date(1979, 11, 2)])
    out = io.BytesIO()
    book.save(out)
    # a title row and a blank row above the header, as offices write lists
    import_enrolments(course, "ds.xlsx", out.getvalue())
    db.session.commit()
    assert enrolled_ids(course) == {trainee.id}


def test_import_is_all_or_nothing_with_every_bad_row_named(make_course, make_trainee):
    course = make_course("CT1")
    good = make_trainee("Nguyễn Thị Hương")
    wrong_group = make_trainee("Phạm Văn Đoàn", group="party_mass_org")
    elsewhere = make_trainee("Lê Thị Ngọc", commune="Xã Ngọc Thiện")
    content = csv_file(
        [
            [good.personal_code, "", "", ""],  # 2: fine
            ["KHONGCOMA9", "", "", ""],  # 3: unknown code
            [wrong_group.personal_code, "", "", ""],  # 4: wrong group
            ["", "Nguyễn Thị Hương", "15/03/1985", ""],  # 5: the same person as line 2
            ["", "Không Có Ai", "01/01/1990", ""],  # 6: nobody by that name and birth date
            [elsewhere.personal_code, "", "", ""],  # 7: another district's trainee
            ["", "Nguyễn Thị Hương", "31/02/1985", ""],  # 8: no such date
            ["", "", "", ""],  # blank lines are skipped
        ]
    )
    with pytest.raises(ImportRejected) as refused:
        import_enrolments(course, "ds.csv", content)
    errors = {e.line: e.message for e in refused.value.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "KHONGCOMA9" in errors[3]
    assert "Phạm Văn Đoàn" in errors[4] and "nhóm đối tượng khác" in errors[4]
    assert "dòng 2" in errors[5]
    assert "Không Có Ai" in errors[6] and "01/01/1990" in errors[6]
    assert elsewhere.personal_code in errors[7]
    assert "31/02/1985" in errors[8]
    db.session.rollback()
    assert count(Enrolment, Enrolment.course_id == course.id) == 0


def test_import_tells_namesakes_apart_by_commune(make_course, make_trainee):
    course = make_course("CT1")
    born = date(1990, 1, 1)
    dong_ky = make_trainee("Nguyễn Văn An", commune="Xã Đồng Kỳ", birth_date=born)
    make_trainee("Nguyễn Văn An", commune="Xã Hồng Kỳ", birth_date=born)
    with pytest.raises(ImportRejected) as refused:
        import_enrolments(course, "ds.csv", csv_file([["", "Nguyễn Văn An", "01/01/1990", ""]]))
    assert "mã cá nhân" in refused.value.errors[0].message
    import_enrolments(course, "ds.csv", csv_file([["", "Nguyễn Văn An", "01/01/1990", "Đồng Kỳ"]]))
    db.session.commit()
    assert enrolled_ids(course) == {dong_ky.id}


def test_import_beyond_capacity_is_refused(make_course, make_trainee):
    course = make_course("CT1", capacity=1)
    trainees = [make_trainee(), make_trainee()]
    with pytest.raises(ImportRejected) as refused:
        import_enrolments(course, "ds.csv", csv_file([[t.personal_code, "", "", ""] for t in trainees]))
    assert "còn 1 chỗ" in refused.value.errors[0].message
    db.session.rollback()
    assert count(Enrolment, Enrolment.course_id == course.id) == 0


def test_import_without_the_needed_columns_is_refused(make_course):
    course = make_course("CT1")
    with pytest.raises(ImportRejected) as refused:
        import_enrolments(course, "ds.csv", "Họ và tên,Điện thoại\nAn,0912345678\n".encode())
    assert "Mã cá nhân" in refused.value.errors[0].message


def test_import_of_an_empty_file_is_refused(make_course):
    course = make_course("CT1")
    with pytest.raises(ImportRejected):
        import_enrolments(course, "ds.csv", csv_file([]))


def test_enrolling_reads_as_often_for_many_trainees_as_for_few(make_course, make_trainee):
    """Checking who may join (district, group, already enrolled, clashes) takes a fixed number
    of queries; only each new enrolment's INSERT is per trainee. By hand and from a file."""
    from sqlalchemy import select

    from training.people.models import Trainee

    selects = {}
    for n, size in enumerate((3, 12)):
        by_hand, by_file = (
            make_course("CT1", starts_on=MONDAY + timedelta(days=28 * (2 * n + k)), venue=f"Hội trường {n}{k}")
            for k in (0, 1)
        )
        people = [make_trainee(f"Học Viên {size}-{i}") for i in range(2 * size)]
        content = csv_file([[t.personal_code, "", "", ""] for t in people[size:]])
        # As the enrol view does: the chosen trainees in one query (the commits above expired them).
        chosen = db.session.scalars(select(Trainee).where(Trainee.id.in_([t.id for t in people[:size]]))).all()
        with statements_sent() as by_hand_sent:
            enrol_many(by_hand, chosen)
        with statements_sent() as by_file_sent:
            import_enrolments(by_file, "ds.csv", content)
        db.session.commit()
        assert len(enrolled_ids(by_hand)) == len(enrolled_ids(by_file)) == size
        selects[size] = [by_hand_sent.reads, by_file_sent.reads]
    assert selects[3] == selects[12], selects
