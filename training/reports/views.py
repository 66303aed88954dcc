from datetime import date

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
from . import bp, cache, services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


#: the years a report may cover (dates outside are typing slips, and year 1 or 9999 overflows
#: the conversions to UTC times)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _period() -> services.Period:
    """The period asked for: ?start=&end= (ISO dates), else ?year=, else this calendar year.

    :raises BadRequest: a date or year outside FIRST_YEAR–LAST_YEAR, with the reason."""
    out_of_range = _("Báo cáo chỉ tính cho các năm từ %(first)d đến %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
    try:
        start, end = date.fromisoformat(request.args.get("start", "")), date.fromisoformat(request.args.get("end", ""))
    except ValueError:
        pass
    else:
        if not (FIRST_YEAR <= start.year <= LAST_YEAR and FIRST_YEAR <= end.year <= LAST_YEAR):
            abort(400, description=out_of_range)
        if start <= end:
            return services.Period(start, end)
    year = request.args.get("year", type=int) or local_today().year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(400, description=out_of_range)
    return services.Period.year(year)


def _respond(report: services.Report, kind: str, choices: list | None = None):
    """The report as HTML (default, print-friendly), or ?format=xlsx / ?format=pdf;
    `choices`: the areas the page offers to switch to (the admin's area report)."""
    from . import charts, exports

    fmt = request.args.get("format", "html")
    stem = f"bao-cao-{kind}-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}"
    if fmt in ("xlsx", "pdf"):
        # the issuer in force at the end of the period (or today, for a period not over)
        on = min(report.period.end, local_today())
        scope = db.session.get(Unit, report.scope.unit_id) if report.scope else units.province()
        issuer = issuer_for(on, scope)
        if fmt == "xlsx":
            return send_file(exports.report_xlsx(report, kind, issuer, on), mimetype=XLSX, as_attachment=True,
                             download_name=stem + ".xlsx")
        return send_file(exports.report_pdf(report, kind, issuer, on), mimetype="application/pdf", as_attachment=True,
                         download_name=stem + ".pdf")
    if fmt != "html":
        abort(400)
    return render_template("reports/report.html", report=report, kind=kind, curricula=catalogue().all_current(), groups=GROUPS,
                           charts=charts.report_svgs(report, kind), units=choices or [])


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
        chosen = services.area_ref(current_user.area) if current_user.area else services.unit_area(current_user.unit)
        return _respond(cache.report(_period(), chosen), "area")
    choices = services.report_areas()
    if not choices:
        abort(404)
    asked = request.args.get("area") or (f"u{request.args['unit']}" if request.args.get("unit") else None)
    chosen = next((choice for choice in choices if choice.key == asked), None) if asked else choices[0]
    if chosen is None:
        abort(404)
    return _respond(cache.report(_period(), chosen), "area", choices)


@bp.route("/reports/province")
@roles_required("admin")
def province():
    return _respond(cache.report(_period(), None), "province")


@bp.route("/trainees/<int:trainee_id>/record")
def trainee_record(trainee_id: int):
    trainee = get_trainee_or_404(trainee_id)
    return render_template("reports/trainee_record.html", trainee=trainee, rows=services.trainee_record(trainee))
