"""What the report's files share (and the page with them): the tables of the annex in the
order the page shows them, the coverage rows, the paper's subject, period and issuer, and the
survey's line. The workbook is drawn in exports_xlsx.py, the paper in exports_pdf.py."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from ..curricula import catalogue
from ..extensions import db
from ..pdf.issuer import Issuer
from ..pdf.words import in_text
from ..people import GROUP_LABELS, GROUP_SHORT_LABELS
from ..people.models import GROUPS
from ..surveys.services import min_answers
from ..surveys.summaries import Figures, figures_for
from ..units import services as units
from ..units.issuers import issuer_for
from ..units.models import Unit
from .figures import Report, Tally


@dataclass(frozen=True)
class SurveyLine:
    """ "Mức độ hài lòng trung bình" and "Tỷ lệ phản hồi" of a report's courses, and the answers
    a mean needs before it is shown (surveys.services.min_answers)."""

    figures: Figures
    needed: int

    @property
    def enough(self) -> bool:
        return self.figures.responses >= self.needed and self.figures.satisfaction is not None


def survey_line(report: Report) -> SurveyLine:
    """The survey's figures of the report's courses. Read when asked, not kept with the
    report's figures: answers keep coming in after a course has closed."""
    return SurveyLine(figures_for(list(report.course_ids)), min_answers())


def in_code_order(items: list) -> list:
    """Units in the order of their official codes (numeric codes as numbers)."""
    return sorted(items, key=lambda unit: (len(unit.code or ""), unit.code or "", unit.name))


def report_tables(report: Report, kind: str) -> list[tuple[str, str, list[tuple[str, Tally | None]]]]:
    """(sheet name, title, rows) for each table, in the order the page shows them."""
    tables = [
        (_("Tổng hợp"), _("Tổng hợp"), [(_("Tổng cộng"), report.total)]),
        (
            _("Theo chương trình"),
            _("Theo chương trình"),
            [(f"{c.code}. {c.title}", report.by_programme.get(c.code)) for c in catalogue().all_current()],
        ),
        (
            _("Theo nhóm đối tượng"),
            _("Theo nhóm đối tượng"),
            [(str(GROUP_LABELS[g]), report.by_group.get(g)) for g in GROUPS],
        ),
    ]
    # on today's map the province is the one unit (its row would repeat the total): its
    # areas are the subtotals; a report of the old map lists its districts as well
    several_units = kind == "province" and len(report.units) > 1
    if several_units:
        districts = [(u.name, report.by_unit.get(u.id)) for u in in_code_order(report.units)]
        tables.append((_("Theo huyện"), _("Theo huyện"), districts))
    if kind == "province" and report.areas:
        tables.append(
            (_("Theo địa bàn"), _("Theo địa bàn"), [(a.name, report.by_area.get(a.key)) for a in report.areas])
        )
    communes = []
    for unit in in_code_order(report.units):
        for commune in in_code_order(report.communes.get(unit.id, [])):
            label = f"{commune.name} ({in_text(unit.name)})" if several_units else commune.name
            communes.append((label, report.by_commune.get(commune.id)))
    tables.append((_("Theo xã, phường"), _("Theo xã, phường"), communes))
    return tables


def coverage_rows(report: Report) -> list[list]:
    rows = []
    for unit in in_code_order(report.units):
        row = [unit.name, len(report.communes.get(unit.id, []))]
        for group in GROUPS:
            missing = report.uncovered[group].get(unit.id, [])
            row += [len(missing), ", ".join(c.name for c in missing)]
        rows.append(row)
    return rows


def coverage_headings(short: bool = False) -> list[str]:
    headings = [_("Đơn vị"), _("Số xã")]
    for group in GROUPS:
        headings += [
            _("Số xã chưa có: %(g)s", g=(GROUP_SHORT_LABELS if short else GROUP_LABELS)[group]),
            _("Danh sách"),
        ]
    return headings


def subject(report: Report, kind: str) -> str:
    """ "Kết quả bồi dưỡng cán bộ thông tin cơ sở năm 2026" (or of the period asked)."""
    start, end = report.period.start, report.period.end
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        when = _("năm %(y)d", y=start.year)
    else:
        when = _("từ %(a)s đến %(b)s", a=start.strftime("%d/%m/%Y"), b=end.strftime("%d/%m/%Y"))
    where = _("toàn tỉnh") if kind == "province" else in_text(report.scope.name if report.scope else "")
    return _("Kết quả bồi dưỡng cán bộ thông tin cơ sở %(where)s %(when)s", where=where, when=when)


def period_text(report: Report) -> str:
    return _("Từ %(a)s đến %(b)s", a=report.period.start.strftime("%d/%m/%Y"), b=report.period.end.strftime("%d/%m/%Y"))


def report_issuer(report: Report, issuer: Issuer | None, on: date) -> Issuer:
    """The issuer given, or the one in force on `on` for the report's unit (the province's for
    the province report); a kept report holds only a snapshot of its unit, so it is read again."""
    if issuer is not None:
        return issuer
    unit = db.session.get(Unit, report.scope.unit_id) if report.scope else units.province()
    return issuer_for(on, unit)
