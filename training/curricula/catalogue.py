"""The programmes as data: curricula/*.toml, validated when the app starts.

A mistake in a file stops the app with a message naming the file and the field, so a
province editing a programme finds out at once rather than on a certificate.
"""

import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import DomainError
from ..people.models import GROUPS

PERIOD_MINUTES = 45
STATUSES = ("provisional", "official")
KINDS = ("knowledge", "skills")


class CurriculumError(DomainError):
    """A programme file is invalid; the message names the file and the field."""

    def __init__(self, path: Path | str, field: str, message: str):
        self.path, self.field = Path(path), field
        super().__init__(f"{Path(path).name}: {field}: {message}")


@dataclass(frozen=True)
class Module:
    code: str
    title: str
    theory_periods: int
    practice_periods: int

    @property
    def periods(self) -> int:
        return self.theory_periods + self.practice_periods


@dataclass(frozen=True)
class CompletionRule:
    #: share of the programme's periods a trainee must attend (0–1)
    min_attendance: float
    #: whether excused absences count as attended
    excused_counts: bool
    assessment_required: bool
    #: pass mark out of 10, when an assessment is required
    pass_mark: float


@dataclass(frozen=True)
class Curriculum:
    code: str
    version: str
    title: str
    status: str
    kind: str
    groups: tuple[str, ...]
    source: str
    modules: tuple[Module, ...]
    completion: CompletionRule
    certificate_wording: str
    description: str = ""
    #: the years the version applies to, both included: (2021, 2025) for the programmes of
    #: Decision 1288; None when the file does not say
    period: tuple[int, int] | None = None

    def applies_in(self, year: int) -> bool:
        """Does this version belong to the programme period of `year` (True if it has none)?"""
        return self.period is None or self.period[0] <= year <= self.period[1]

    #: the code of the questionnaire trainees answer after a course (surveys); "" = the default one
    questionnaire: str = ""

    @cached_property  # the reports ask for every enrolment; a programme never changes once loaded
    def periods(self) -> int:
        return sum(m.periods for m in self.modules)

    @property
    def theory_periods(self) -> int:
        return sum(m.theory_periods for m in self.modules)

    @property
    def practice_periods(self) -> int:
        return sum(m.practice_periods for m in self.modules)

    @property
    def hours(self) -> float:
        return self.periods * PERIOD_MINUTES / 60

    def module(self, code: str) -> Module | None:
        return next((m for m in self.modules if m.code == code), None)

    def counted_periods(self, attended_periods: int, excused_periods: int = 0) -> int:
        """Periods that count towards completion: those attended (late included), plus excused
        absences only when the completion rule says so, at most the programme's periods."""
        return min(attended_periods + (excused_periods if self.completion.excused_counts else 0), self.periods)

    def attendance_share(self, attended_periods: int, excused_periods: int = 0) -> float:
        """Share of the programme's periods that count towards completion (counted_periods)."""
        return self.counted_periods(attended_periods, excused_periods) / self.periods if self.periods else 0.0

    def shortfalls(self, share: float, score: float | None) -> list[str]:
        """What keeps an attendance share and an assessment score (None: none) from meeting
        the rule: any of "attendance", "no_score", "low_score"; none when they meet it."""
        rule = self.completion
        missing = []
        if share + 1e-9 < rule.min_attendance:
            missing.append("attendance")
        if rule.assessment_required:
            if score is None:
                missing.append("no_score")
            elif score < rule.pass_mark:
                missing.append("low_score")
        return missing

    def is_completed(self, share: float, score: float | None) -> bool:
        """Whether an attendance share and an assessment score (None: none) meet the rule."""
        return not self.shortfalls(share, score)


_TOP_KEYS = {
    "code",
    "version",
    "title",
    "status",
    "kind",
    "groups",
    "source",
    "description",
    "modules",
    "completion",
    "certificate",
    "period",
    "questionnaire",
}
_MODULE_KEYS = {"code", "title", "theory_periods", "practice_periods"}
_COMPLETION_KEYS = {"min_attendance", "excused_counts", "assessment_required", "pass_mark"}
_CERTIFICATE_KEYS = {"wording"}


class _Reader:
    """Typed access to one parsed file, raising CurriculumError with the field path."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, field: str, message: str):
        raise CurriculumError(self.path, field, message)

    def read(self) -> dict:
        """The file's TOML tables (a syntax or encoding error names the file)."""
        try:
            return tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            self.fail("(cú pháp TOML)", str(exc))
        except UnicodeDecodeError:
            self.fail("(mã hóa)", "tệp phải lưu bằng UTF-8")

    def table(self, data: dict, field: str, allowed: set[str]) -> dict:
        if not isinstance(data, dict):
            self.fail(field, "phải là một bảng (table)")
        unknown = sorted(set(data) - allowed)
        if unknown:
            prefix = f"{field}." if field else ""
            self.fail(prefix + unknown[0], "trường không được hỗ trợ (viết sai tên?)")
        return data

    def text(self, data: dict, key: str, field: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            self.fail(field, "bắt buộc")
        if not isinstance(value, str) or (not value.strip() and default is None):
            self.fail(field, "phải là chuỗi ký tự không rỗng")
        return value.strip()

    def whole(self, data: dict, key: str, field: str) -> int:
        value = data.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(field, "phải là số nguyên không âm")
        return value

    def number(self, data: dict, key: str, field: str, default: float, low: float, high: float) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            self.fail(field, f"phải là số trong khoảng {low:g}–{high:g}")
        return float(value)

    def flag(self, data: dict, key: str, field: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(field, "phải là true hoặc false")
        return value

    def period(self, data: dict, key: str) -> tuple[int, int] | None:
        value = data.get(key)
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 2
            or any(isinstance(y, bool) or not isinstance(y, int) or not 2000 <= y <= 2100 for y in value)
            or value[0] > value[1]
        ):
            self.fail(key, "phải là [năm đầu, năm cuối], ví dụ [2021, 2025]")
        return value[0], value[1]

    def choice(self, data: dict, key: str, field: str, allowed: tuple[str, ...]) -> str:
        value = self.text(data, key, field)
        if value not in allowed:
            self.fail(field, f"phải là một trong: {', '.join(allowed)}")
        return value


def parse_curriculum(path: Path) -> Curriculum:
    """Read and validate one programme file.

    :raises CurriculumError: naming the file and the first invalid field.
    """
    reader = _Reader(path)
    data = reader.read()
    reader.table(data, "", _TOP_KEYS)

    groups = data.get("groups")
    if not isinstance(groups, list) or not groups:
        reader.fail("groups", "phải là danh sách nhóm đối tượng, không rỗng")
    for index, group in enumerate(groups):
        if group not in GROUPS:
            reader.fail(f"groups[{index}]", f"nhóm không hợp lệ; dùng {' hoặc '.join(GROUPS)}")

    raw_modules = data.get("modules")
    if not isinstance(raw_modules, list) or not raw_modules:
        reader.fail("modules", "cần ít nhất một chuyên đề ([[modules]])")
    modules, seen = [], set()
    for index, raw in enumerate(raw_modules):
        field = f"modules[{index}]"
        reader.table(raw, field, _MODULE_KEYS)
        module = Module(
            code=reader.text(raw, "code", f"{field}.code"),
            title=reader.text(raw, "title", f"{field}.title"),
            theory_periods=reader.whole(raw, "theory_periods", f"{field}.theory_periods"),
            practice_periods=reader.whole(raw, "practice_periods", f"{field}.practice_periods"),
        )
        if module.code in seen:
            reader.fail(f"{field}.code", f"mã chuyên đề {module.code} bị trùng")
        if module.periods == 0:
            reader.fail(f"{field}.theory_periods", "chuyên đề phải có ít nhất một tiết")
        seen.add(module.code)
        modules.append(module)

    raw_completion = reader.table(data.get("completion", {}), "completion", _COMPLETION_KEYS)
    completion = CompletionRule(
        min_attendance=reader.number(raw_completion, "min_attendance", "completion.min_attendance", 0.8, 0.0, 1.0),
        excused_counts=reader.flag(raw_completion, "excused_counts", "completion.excused_counts", False),
        assessment_required=reader.flag(raw_completion, "assessment_required", "completion.assessment_required", False),
        pass_mark=reader.number(raw_completion, "pass_mark", "completion.pass_mark", 5.0, 0.0, 10.0),
    )
    raw_certificate = reader.table(data.get("certificate", {}), "certificate", _CERTIFICATE_KEYS)
    code = reader.text(data, "code", "code")
    if not code.replace("-", "").isalnum():
        reader.fail("code", "chỉ gồm chữ và số, ví dụ CT1")
    return Curriculum(
        code=code,
        version=reader.text(data, "version", "version"),
        title=reader.text(data, "title", "title"),
        status=reader.choice(data, "status", "status", STATUSES),
        kind=reader.choice(data, "kind", "kind", KINDS),
        groups=tuple(groups),
        source=reader.text(data, "source", "source"),
        description=reader.text(data, "description", "description", default=""),
        modules=tuple(modules),
        completion=completion,
        certificate_wording=reader.text(raw_certificate, "wording", "certificate.wording"),
        period=reader.period(data, "period"),
        questionnaire=reader.text(data, "questionnaire", "questionnaire", default=""),
    )


class Catalogue:
    """Every loaded programme version; `current(code)` is the newest version of a code."""

    def __init__(self, curricula: list[Curriculum]):
        self._by_key = {(c.code, c.version): c for c in curricula}
        self._current: dict[str, Curriculum] = {}
        for c in sorted(curricula, key=lambda c: _version_key(c.version)):
            self._current[c.code] = c

    def current(self, code: str) -> Curriculum | None:
        return self._current.get(code)

    def get(self, code: str, version: str) -> Curriculum | None:
        return self._by_key.get((code, version))

    def module(self, code: str, version: str, module_code: str) -> Module | None:
        """A module of a programme version; None when either is unknown."""
        curriculum = self.get(code, version)
        return curriculum.module(module_code) if curriculum else None

    def all_current(self) -> list[Curriculum]:
        return sorted(self._current.values(), key=lambda c: c.code)


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in version.replace("-", ".").split("."))


def load_catalogue(directory: Path | str) -> Catalogue:
    """Load and validate every *.toml file in `directory`.

    :raises CurriculumError: for the first invalid file, or a code+version defined twice.
    """
    directory = Path(directory)
    curricula, origins = [], {}
    for path in sorted(directory.glob("*.toml")):
        curriculum = parse_curriculum(path)
        key = (curriculum.code, curriculum.version)
        if key in origins:
            raise CurriculumError(
                path, "version", f"{curriculum.code} {curriculum.version} đã có trong {origins[key].name}"
            )
        origins[key] = path
        curricula.append(curriculum)
    if not curricula:
        raise CurriculumError(directory, "(thư mục)", "không có tệp chương trình *.toml nào")
    return Catalogue(curricula)
