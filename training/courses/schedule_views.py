"""Calendar, schedules and the printable plan of a course: the calendar of sessions, calendar
files, a trainee's own page and schedule, and the plan as a page and as PDF; registered on the
courses blueprint."""

import io
from datetime import datetime

from flask import abort, make_response, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..auth.permissions import managed_unit_id, roles_required
from ..clock import local_today, to_local, utcnow
from ..ids import db_int
from ..pdf.paper import MOTTO, MOTTO_SUB
from ..pdf.qr import encode
from ..pdf.words import place_and_date
from ..people import services as people
from ..people.models import Trainee
from ..security import no_store
from ..units.issuers import issuer_for
from ..units.services import managing_units
from ..web import external_url
from . import bp, plan_pdf, services
from . import calendar as cal
from .views import date_arg


@bp.route("/calendar")
@roles_required("admin", "trainer")
def calendar():
    view = request.args.get("view") if request.args.get("view") in cal.VIEWS else "week"
    anchor = date_arg("date")
    if anchor is None or not 1900 <= anchor.year <= 2999:  # also keeps the neighbours' arithmetic in range
        anchor = local_today()
    unit_id, units = managed_unit_id(current_user), []
    if current_user.is_admin:
        units = managing_units()
        unit_id = request.args.get("unit", type=db_int)
        if unit_id not in {u.id for u in units}:
            unit_id = None
    period = cal.period_for(view, anchor)
    entries = cal.calendar_entries(period.first, period.last, unit_id)
    # one link per course: a busy week shows each course's sessions several times
    links = {
        course_id: url_for("courses.detail", course_id=course_id, _anchor="sessions")
        for course_id in {e.course_id for e in entries}
    }
    return render_template(
        "courses/calendar.html",
        period=period,
        days=cal.by_day(entries),
        count=len(entries),
        links=links,
        units=units,
        unit_id=unit_id,
        nav_unit=unit_id if current_user.is_admin else None,
        today=local_today(),
        weekdays=cal.WEEKDAYS,
    )


@bp.app_template_filter("weekday")
def weekday_filter(value, short: bool = False) -> str:
    """ "Thứ Hai" … "Chủ nhật" (short: "T2" … "CN") of a date, or of a stored UTC time's local day."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return cal.weekday_name(value, short) if value else ""


bp.add_app_template_filter(cal.course_dates, "course_dates")


def _ics_response(sessions, name: str, filename: str, link_courses: bool = True):
    course_url = (lambda c: external_url("courses.detail", course_id=c.id)) if link_courses else None
    content = cal.ics_calendar(sessions, name, course_url)
    return send_file(io.BytesIO(content), mimetype="text/calendar", as_attachment=True, download_name=filename)


@bp.route("/courses/<int:course_id>/calendar.ics")
def course_ics(course_id: int):
    course = services.get_course_or_404(course_id)
    return _ics_response(
        cal.course_calendar_sessions(course), f"{course.code} · {course.title}", f"lich-{course.code}.ics"
    )


@bp.route("/trainees/<int:trainee_id>/calendar.ics")
def trainee_ics(trainee_id: int):
    trainee = people.get_trainee_or_404(trainee_id)
    return _ics_response(
        cal.trainee_sessions(trainee.id),
        _("Lịch học của %(name)s", name=trainee.full_name),
        f"lich-hoc-{trainee.id}.ics",
    )


@bp.route("/me/calendar.ics")
@roles_required("trainee")
def my_ics():
    trainee = current_user.trainee
    if trainee is None:
        abort(404)
    # A trainee may not open course pages, so their file carries no links to them.
    return _ics_response(
        cal.trainee_sessions(trainee.id), _("Lịch học của tôi"), "lich-hoc-cua-toi.ics", link_courses=False
    )


def _schedule_page(trainee: Trainee | None, ics_url: str | None):
    upcoming, past = cal.schedule_by_course(cal.trainee_sessions(trainee.id) if trainee else [], utcnow())
    return render_template(
        "courses/schedule.html",
        trainee=trainee,
        upcoming=upcoming,
        past=past,
        ics_url=ics_url,
        status_label=services.status_label,
    )


@bp.route("/me")
@roles_required("trainee")
def me():
    trainee = current_user.trainee
    upcoming, _past = cal.schedule_by_course(cal.trainee_sessions(trainee.id) if trainee else [], utcnow())
    next_session = min(
        (s for _course, sessions in upcoming for s in sessions if s.ends_at > utcnow()),
        key=lambda s: s.starts_at,
        default=None,
    )
    # The badge a trainer's scanner reads: the personal code as a QR, for the phone's screen.
    badge = Markup(encode(trainee.personal_code).svg(border=2)) if trainee else None
    return no_store(
        make_response(render_template("people/me.html", trainee=trainee, next_session=next_session, badge=badge))
    )


@bp.route("/me/schedule")
@roles_required("trainee")
def my_schedule():
    trainee = current_user.trainee
    return _schedule_page(trainee, url_for("courses.my_ics") if trainee else None)


@bp.route("/trainees/<int:trainee_id>/schedule")
def trainee_schedule(trainee_id: int):
    trainee = people.get_trainee_or_404(trainee_id)
    return _schedule_page(trainee, url_for("courses.trainee_ics", trainee_id=trainee.id))


@bp.route("/courses/<int:course_id>/plan")
def plan(course_id: int):
    course = services.get_course_or_404(course_id)
    # The page shows the paper: the same date, issuer and words as the PDF.
    on = plan_pdf.paper_date(course)
    issuer = issuer_for(on, course.unit)
    return render_template(
        "courses/plan.html",
        course=course,
        curriculum=course.curriculum,
        issuer=plan_pdf.heading_lines(issuer),
        motto=(MOTTO, MOTTO_SUB),
        dated=place_and_date(issuer.place, on),
        attached=plan_pdf.attached_to(issuer),
        signer_title=issuer.signer_title,
        signer_name=issuer.signer_name,
        breaks={s.id: plan_pdf.break_text(s) for s in course.sessions},
        total=sum(s.periods for s in course.sessions),
    )


@bp.route("/courses/<int:course_id>/plan.pdf", endpoint="plan_pdf")
def plan_pdf_download(course_id: int):
    course = services.get_course_or_404(course_id)
    # An official paper: always in Vietnamese, whatever language the screen is in.
    with force_locale("vi"):
        content = plan_pdf.course_plan_pdf(course)
    return send_file(content, mimetype="application/pdf", download_name=f"lich-hoc-{course.code}.pdf")
