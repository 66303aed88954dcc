import re
from datetime import date
from urllib.parse import quote

from flask import abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import roles_required
from ..clock import local_today
from ..curricula import catalogue
from ..extensions import db
from ..people.models import GROUPS
from ..people.services import get_trainee_or_404
from ..units import services as units
from ..units.issuers import issuer_for
from ..units.models import Unit
from ..vietnamese import fold
from . import bp, cache, charts, columns, exports, exports_pdf, exports_xlsx, record
from .columns import is_blank
from .figures import Period, Report
from .forms import PeriodForm
from .places import area_ref, report_areas, unit_area

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: the years a report may cover (dates outside are typing slips, and year 1 or 9999 overflows
#: the conversions to UTC times)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _period(form: PeriodForm) -> Period:
    """The period asked for: the form's two dates, else ?year=, else this calendar year. Dates
    that cannot be read, or one date alone, or an end before the start leave their message on
    the form and the year's report is shown.

    :raises BadRequest: a date or year outside FIRST_YEAR–LAST_YEAR, with the reason."""
    out_of_range = _("Báo cáo chỉ tính cho các năm từ %(first)d đến %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
    if form.validate() and form.start.data and form.end.data:
        start, end = form.start.data, form.end.data
        if not (FIRST_YEAR <= start.year <= LAST_YEAR and FIRST_YEAR <= end.year <= LAST_YEAR):
            abort(400, description=out_of_range)
        return Period(start, end)
    year = request.args.get("year", type=int) or local_today().year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(400, description=out_of_range)
    return Period.year(year)


def _file_stem(report: Report) -> str:
    """ "báo-cáo-tỉnh-bắc-ninh-2026", or with the two dates for a period other than a calendar
    year: the unit and the period a downloaded file is about."""
    period = report.period
    if (period.start, period.end) == (date(period.start.year, 1, 1), date(period.start.year, 12, 31)):
        when = f"{period.start.year}"
    else:
        when = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    place = report.scope or units.province()
    return "-".join(["báo-cáo", *re.findall(r"\w+", place.name.lower()), when])


def _download(content, mimetype: str, name: str):
    """The file as an attachment named `name` (UTF-8, in filename*) with an ASCII name beside
    it for old clients: the accents folded away and đ as d (Flask's own fallback drops đ)."""
    response = send_file(content, mimetype=mimetype, as_attachment=True, download_name=name)
    ascii_name = re.sub(r"[^a-z0-9.]+", "-", fold(name)).strip("-")
    response.headers.set(
        "Content-Disposition", "attachment", filename=ascii_name, **{"filename*": "UTF-8''" + quote(name, safe="")}
    )
    return response


def _respond(report: Report, kind: str, form: PeriodForm, choices: list | None = None):
    """The report as HTML (default, print-friendly), or ?format=xlsx / ?format=pdf;
    `choices`: the areas the page offers to switch to (the admin's area report)."""
    fmt = request.args.get("format", "html")
    if fmt in ("xlsx", "pdf"):
        # the issuer in force at the end of the period (or today, for a period not over)
        on = min(report.period.end, local_today())
        scope = db.session.get(Unit, report.scope.unit_id) if report.scope else units.province()
        issuer = issuer_for(on, scope)
        if fmt == "xlsx":
            return _download(exports_xlsx.report_xlsx(report, kind, issuer, on), XLSX, _file_stem(report) + ".xlsx")
        return _download(
            exports_pdf.report_pdf(report, kind, issuer, on), "application/pdf", _file_stem(report) + ".pdf"
        )
    if fmt != "html":
        abort(400)
    return render_template(
        "reports/report.html",
        report=report,
        kind=kind,
        curricula=catalogue().all_current(),
        groups=GROUPS,
        charts=charts.report_svgs(report, kind),
        units=choices or [],
        columns=columns.COLUMNS,
        is_blank=is_blank,
        form=form,
        survey=exports.survey_line(report),
    )


@bp.route("/reports/area")
@bp.route("/reports/district")  # the district report's address before areas: old links still open
@roles_required("admin", "trainer")
def area():
    """An area's report: a trainer's own (their area, or their whole unit); the admin's
    choice of ?area= (an AreaRef.key) or ?unit= (a managing unit, as old links name it),
    else the first area with communes."""
    if not current_user.is_admin:
        if current_user.area is None and current_user.unit is None:
            abort(404)
        chosen = area_ref(current_user.area) if current_user.area else unit_area(current_user.unit)
        form = PeriodForm(request.args)
        return _respond(cache.report(_period(form), chosen), "area", form)
    choices = report_areas()
    if not choices:
        abort(404)
    asked = request.args.get("area") or (f"u{request.args['unit']}" if request.args.get("unit") else None)
    chosen = next((choice for choice in choices if choice.key == asked), None) if asked else choices[0]
    if chosen is None:
        abort(404)
    form = PeriodForm(request.args)
    return _respond(cache.report(_period(form), chosen), "area", form, choices)


@bp.route("/reports/province")
@roles_required("admin")
def province():
    form = PeriodForm(request.args)
    return _respond(cache.report(_period(form), None), "province", form)


@bp.route("/trainees/<int:trainee_id>/record")
def trainee_record(trainee_id: int):
    trainee = get_trainee_or_404(trainee_id)
    return render_template("reports/trainee_record.html", trainee=trainee, rows=record.trainee_record(trainee))
