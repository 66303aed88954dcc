import base64
import secrets
from datetime import date, datetime
from io import BytesIO

from flask import (
    after_this_request,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

# The phone is recognised as at check-in: the same remembered-device cookie, the same
# identification by personal code and birth date.
from ..attendance import qr
from ..attendance.forms import IdentifyForm
from ..attendance.identify import identify_trainee
from ..attendance.phones import remember_phone, remembered_device
from ..auth import public
from ..auth.permissions import roles_required
from ..clock import local_today
from ..courses.services import get_course_or_404
from ..extensions import db, limiter
from ..ids import db_int
from ..people.models import Trainee
from ..security import no_store
from ..web import commit_or_flash, external_url
from . import answering, bp, documents, services, summaries

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the answering device's keys, one per (survey, trainee), in a signed cookie
KEYS_COOKIE = "taphuan_survey"
KEYS_KEPT = 20


# --- for the other domains' pages (one include line each) -------------------------------------


@bp.app_template_global("survey_reminders")
def survey_reminders(trainee_id: int | None) -> list[answering.Reminder]:
    return answering.open_for_trainee(trainee_id)


@bp.app_template_global("survey_course_line")
def survey_course_line(course) -> dict:
    """State and response rate of a course's survey, for its course page."""
    survey = services.survey_of(course)
    figures = summaries.figures_for([course.id])
    return {
        "state": services.state(course, survey),
        "responses": figures.responses,
        "enrolled": figures.enrolled,
        "rate": figures.response_rate,
    }


@bp.app_template_global("survey_projector")
def survey_projector(session) -> dict | None:
    """The survey's QR for the projector, on the course's last session only."""
    course = session.course
    if not course.sessions or course.sessions[-1].id != session.id or course.status == "cancelled":
        return None
    url = external_url("surveys.answer", token=services.link_token(course.id))
    # An image rather than inline SVG: the projector's own script owns the page's <svg> (its
    # check-in code) and looks for no other.
    image = "data:image/svg+xml;base64," + base64.b64encode(qr.qr_svg(url).encode()).decode()
    return {"url": url, "image": image, "state": services.state(course, services.survey_of(course))}


# --- the trainee's phone: /survey/<token> ----------------------------------------------------------


def _keys_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="survey-keys")


def _device_keys() -> dict:
    try:
        keys = _keys_serializer().loads(request.cookies.get(KEYS_COOKIE, ""))
    except BadSignature:
        return {}
    return keys if isinstance(keys, dict) else {}


def _who() -> tuple[int | None, bool]:
    """The trainee answering: a signed-in trainee, else the phone's remembered one; and
    whether it came from the phone's cookie (the page then offers to forget it)."""
    if current_user.is_authenticated:
        return (current_user.trainee_id if current_user.role == "trainee" else None), False
    key, _device = remembered_device()
    trainee_id = db.session.scalar(select(Trainee.id).where(Trainee.device_key == key)) if key else None
    return trainee_id, trainee_id is not None


def _identifying() -> bool:
    return request.method == "POST" and request.form.get("action") == "identify"


@bp.route("/survey/<token>", methods=["GET", "POST"])
@public
@limiter.limit("600 per minute", methods=["POST"])
@limiter.limit(
    "20 per 5 minutes",
    methods=["POST"],
    exempt_when=lambda: not _identifying(),
    key_func=lambda: "survey-identify:" + "".join((request.form.get("code") or "").split())[:20].upper(),
)
def answer(token: str):
    course = services.course_of_token(token)
    survey = services.survey_of(course)
    questions = services.questions_of(course, survey)
    page = {
        "course": course,
        "token": token,
        "questionnaire": services.questionnaire_of(course, survey),
        "questions": questions,
        "values": {},
        "errors": {},
    }
    trainee_id, remembered = _who()
    if _identifying() and trainee_id is None:
        form = IdentifyForm()
        found = (
            identify_trainee(course.sessions[-1], form.code.data, form.born)
            if form.validate_on_submit() and course.sessions
            else None
        )
        trainee = found.trainee if found is not None else None
        if trainee is None:
            form.code.errors = [_("Không tìm thấy học viên của khóa học với mã (hoặc số điện thoại) và ngày sinh này.")]
            return _page("identify", page, 400, form=form)
        trainee_id, remembered = trainee.id, True
        _remember_phone(trainee.device_key)
    elif trainee_id is None:
        return _page("identify", page, form=IdentifyForm())
    page["remembered"] = remembered
    if not answering.is_enrolled(course, trainee_id):
        return _page("not_enrolled", page, 403)
    current = services.state(course, survey)
    page["window"] = services.window(course, survey)
    if current != "open":
        return _page(current, page)
    keys = _device_keys()
    key_name = f"{course.id}:{trainee_id}"
    own = answering.response_by_key(survey, keys.get(key_name))
    answered = answering.respondent_of(survey, trainee_id) is not None
    if request.method == "POST" and request.form.get("action") == "answer":
        values, errors = answering.parse_answers(questions, request.form)
        page.update(values=values, errors=errors)
        if errors:
            return _page("form", page, 400, answered=answered, own=own)
        refusal = []
        saved = commit_or_flash(
            lambda: answering.answer(course, trainee_id, values, keys.get(key_name)),
            services.SurveyError,
            None,  # the page it leads to says the answers were saved
            lambda exc: refusal.append(str(exc)),  # said by the page below, not flashed
        )
        if saved is None:
            return _page("already", page, 409, message=refusal[0])
        response, key = saved
        keys.pop(key_name, None)
        keys[key_name] = key
        result = redirect(url_for("surveys.answer", token=token, saved=1), 303)
        _set_keys(result, keys)
        return no_store(result)
    if answered and own is None:
        return _page("already", page, message=_("Anh/chị đã gửi phiếu đánh giá của khóa học này. Cảm ơn anh/chị!"))
    if own is not None:
        page["values"] = _values_of(own, questions)
    return _page("form", page, answered=answered, own=own, saved=request.args.get("saved") == "1")


def _remember_phone(key: str) -> None:
    """Remember the phone as the check-in does (the same cookie), on whatever page follows."""
    after_this_request(lambda response: remember_phone(response, key, secrets.token_urlsafe(12)))


def _set_keys(response, keys: dict) -> None:
    kept = dict(list(keys.items())[-KEYS_KEPT:])
    response.set_cookie(
        KEYS_COOKIE,
        _keys_serializer().dumps(kept),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


def _values_of(response, questions) -> dict:
    kinds = {q.key: q.kind for q in questions}
    values: dict = {}
    for answer in response.answers:
        kind = kinds.get(answer.question_key)
        if kind == "multi":
            values.setdefault(answer.question_key, []).append(answer.value)
        elif kind == "text":
            values[answer.question_key] = answer.text
        elif kind:
            values[answer.question_key] = answer.value
    return values


def _page(view: str, page: dict, status: int = 200, **extra):
    return no_store(make_response(render_template("surveys/answer.html", view=view, **page, **extra), status))


# --- the trainer: a course's survey -----------------------------------------------------------------


@bp.route("/courses/<int:course_id>/survey")
@roles_required("admin", "trainer")
def course(course_id: int):
    course = get_course_or_404(course_id)
    results = summaries.course_results(course)
    url = external_url("surveys.answer", token=services.link_token(course.id))
    return no_store(
        make_response(
            render_template(
                "surveys/course.html",
                course=course,
                results=results,
                state=services.state(course, results.survey),
                window=services.window(course, results.survey),
                url=url,
                qr_svg=qr.qr_svg(url),
                min_answers=services.min_answers(),
            )
        )
    )


@bp.route("/courses/<int:course_id>/survey/open", methods=["POST"])
@roles_required("admin", "trainer")
def open_survey(course_id: int):
    return _change(course_id, services.open_now, _("Đã mở phiếu đánh giá."))


@bp.route("/courses/<int:course_id>/survey/close", methods=["POST"])
@roles_required("admin", "trainer")
def close_survey(course_id: int):
    return _change(course_id, services.close_now, _("Đã đóng phiếu đánh giá."))


def _change(course_id: int, action, message: str):
    course = get_course_or_404(course_id)
    commit_or_flash(lambda: action(course), services.SurveyError, message)
    return redirect(url_for("surveys.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/survey/paper", methods=["GET", "POST"])
@roles_required("admin", "trainer")
def paper(course_id: int):
    course = get_course_or_404(course_id)
    survey = services.survey_of(course)
    questions = services.questions_of(course, survey)
    values, errors = {}, {}
    if request.method == "POST" and request.form:
        values, errors = answering.parse_answers(questions, request.form)
        handed_in = request.form.get("trainee", type=db_int)
        if not errors:
            saved = commit_or_flash(
                lambda: answering.enter_paper(course, values, handed_in),
                services.SurveyError,
                _("Đã nhập một phiếu giấy."),
            )
            if saved is not None:
                return redirect(url_for("surveys.paper", course_id=course.id))
    response = make_response(
        render_template(
            "surveys/paper.html",
            course=course,
            questions=questions,
            values=values,
            errors=errors,
            questionnaire=services.questionnaire_of(course, survey),
            trainees=answering.unanswered(course, survey),
            results=summaries.course_results(course),
        ),
        400 if errors else 200,
    )
    return no_store(response)


@bp.route("/courses/<int:course_id>/survey/paper.pdf")
@roles_required("admin", "trainer")
def paper_pdf(course_id: int):
    course = get_course_or_404(course_id)
    survey = services.survey_of(course)
    with force_locale("vi"):
        content = documents.paper_pdf(
            course, services.questionnaire_of(course, survey), services.questions_of(course, survey)
        )
    return _file(content, "application/pdf", f"phieu-danh-gia-{course.code}.pdf")


@bp.route("/courses/<int:course_id>/survey/results.xlsx")
@roles_required("admin", "trainer")
def results_xlsx(course_id: int):
    results = summaries.course_results(get_course_or_404(course_id))
    return _file(documents.course_xlsx(results), XLSX_MIMETYPE, f"danh-gia-{results.course.code}.xlsx")


@bp.route("/courses/<int:course_id>/survey/results.pdf")
@roles_required("admin", "trainer")
def results_pdf(course_id: int):
    results = summaries.course_results(get_course_or_404(course_id))
    with force_locale("vi"):
        content = documents.course_pdf(results)
    return _file(content, "application/pdf", f"danh-gia-{results.course.code}.pdf")


@bp.route("/api/v1/courses/<int:course_id>/survey")
@roles_required("admin", "trainer")
def results_json(course_id: int):
    return no_store(jsonify(documents.course_json(summaries.course_results(get_course_or_404(course_id)))))


def _file(content: bytes, mimetype: str, filename: str):
    response = send_file(
        BytesIO(content), mimetype=mimetype, download_name=filename, as_attachment=mimetype == XLSX_MIMETYPE
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the summaries: by programme, trainer and area over a period ------------------------------------


def _period() -> tuple[date, date, str]:
    first, last = summaries.default_period(local_today())
    for name in ("from", "to"):
        text = request.args.get(name, "").strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                day = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            first, last = (day, last) if name == "from" else (first, day)
            break
    grouping = request.args.get("by") if request.args.get("by") in summaries.GROUPINGS else "programme"
    return min(first, last), max(first, last), grouping


@bp.route("/surveys")
@roles_required("admin", "trainer")
def summary():
    first, last, grouping = _period()
    result = summaries.summary(first, last, grouping, current_user)
    return render_template(
        "surveys/summary.html",
        summary=result,
        min_answers=services.min_answers(),
        rows=documents.summary_rows(result, services.min_answers()),
        headings=documents.summary_headings(result),
        groupings=summaries.GROUPINGS,
    )


@bp.route("/surveys.xlsx")
@roles_required("admin", "trainer")
def summary_xlsx():
    first, last, grouping = _period()
    result = summaries.summary(first, last, grouping, current_user)
    return _file(
        documents.summary_xlsx(result, services.min_answers()),
        XLSX_MIMETYPE,
        f"danh-gia-{first:%Y%m%d}-{last:%Y%m%d}.xlsx",
    )


@bp.route("/surveys.pdf")
@roles_required("admin", "trainer")
def summary_pdf():
    first, last, grouping = _period()
    result = summaries.summary(first, last, grouping, current_user)
    with force_locale("vi"):
        content = documents.summary_pdf(result, services.min_answers())
    return _file(content, "application/pdf", f"danh-gia-{first:%Y%m%d}-{last:%Y%m%d}.pdf")
