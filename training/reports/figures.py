"""What a report holds: its period, the tallies of its rows and tables, the areas it shows,
and, in a unit's part of the province, the people behind its distinct counts. Built by
counting.build_report and merging.merge_reports; read by the page, the files and the cache."""

from array import array
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..clock import to_utc
from ..units.models import Unit


@dataclass(frozen=True)
class Period:
    """A report's dates: local, both included."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        return to_utc(datetime.combine(self.start, time.min)), to_utc(
            datetime.combine(self.end + timedelta(days=1), time.min)
        )


@dataclass(slots=True)
class Tally:
    """Counts for one row of a report table (a programme, a group, a unit, an area or a
    commune). `trainees` and `completions` count people: someone in two courses of the row
    counts once, and once as completed if they completed either."""

    courses: int = 0
    sessions: int = 0
    #: distinct people enrolled ("Học viên (người)")
    trainees: int = 0
    #: enrolments, a person once per course ("Lượt học viên")
    enrolments: int = 0
    attended_periods: int = 0
    scheduled_periods: int = 0
    #: distinct people with a completed enrolment ("Hoàn thành")
    completions: int = 0
    certificates_issued: int = 0
    certificates_valid: int = 0
    certificates_revoked: int = 0
    #: group → distinct people of it (each trainee has one group)
    groups: dict[str, int] = field(default_factory=dict)

    @property
    def attendance_rate(self) -> float | None:
        return self.attended_periods / self.scheduled_periods if self.scheduled_periods else None


#: the tables of tallies a report holds, each keyed by what its rows are
TABLES = ("by_programme", "by_group", "by_programme_group", "by_unit", "by_area", "by_commune")


@dataclass(frozen=True)
class People:
    """The people behind a tally's distinct counts, kept only in a report that a merge will
    read (a unit's, for the province): sorted arrays of trainee ids, 8 bytes an id."""

    trainees: array
    completers: array


@dataclass(frozen=True)
class AreaRef:
    """An area a report shows: an Area the admin made, or a managing unit taken whole (a
    pre-2025 district, a province) as a trainer without an area works in."""

    #: the Area's id; None for a unit taken whole
    id: int | None
    name: str
    #: province | district | cluster
    kind: str
    #: the unit whose issuer signs the area's papers (the area's province or district)
    unit_id: int
    commune_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        """What names it in a request and in by_area: "a12" (an Area) or "u7" (a unit)."""
        return f"a{self.id}" if self.id is not None else f"u{self.unit_id}"


@dataclass
class Report:
    """All figures of one report: totals, and tallies per programme, group, unit, area and
    commune. `scope` is the area of an area report, None for the province or a unit's part."""

    period: Period
    scope: AreaRef | None
    total: Tally
    by_programme: dict[str, Tally]
    by_group: dict[str, Tally]
    by_programme_group: dict[tuple[str, str], Tally]
    #: managing unit id → its communes' figures
    by_unit: dict[int, Tally]
    #: AreaRef.key → its communes' figures (the province report's subtotals)
    by_area: dict[str, Tally]
    by_commune: dict[int, Tally]
    #: the managing units listed, of the map(s) the period's figures are on
    units: list[Unit]
    communes: dict[int, list[Unit]]
    #: the areas whose subtotals the province report shows (none in an area report)
    areas: list[AreaRef]
    #: group → managing unit id → communes with nobody of that group trained
    uncovered: dict[str, dict[int, list[Unit]]]
    #: commune id → the groups of its trainees counted (what `uncovered` is worked out from)
    trained_groups: dict[int, set[str]]
    #: (table, key) → the people behind that tally ("total", None for the total); only in a
    #: unit's report kept for merge_reports
    people: dict[tuple[str, Hashable], People] | None = field(default=None, repr=False, compare=False)
    #: the HTML charts drawn from these figures so far, by kind and language (charts.report_svgs)
    svgs: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False, compare=False)
    #: the held courses counted (what the reports' survey line is read from)
    course_ids: tuple[int, ...] = ()


def tally_tables(tallies) -> tuple[Tally, dict[str, dict]]:
    """The total and the tables of a report from its ((table, key), tally) pairs."""
    tables: dict[str, dict] = {name: {} for name in TABLES}
    total = Tally()
    for (table, key), tally in tallies:
        if table == "total":
            total = tally
        else:
            tables[table][key] = tally
    return total, tables
