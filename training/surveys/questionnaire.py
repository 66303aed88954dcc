"""The questionnaires as data: questionnaires/*.toml, validated when the app starts.

Read the way the programmes are (training/curricula/catalogue.py, whose reader this reuses), so
a mistake stops the app with a message naming the file and the field. A questionnaire's
questions are its `[[questions]]` tables, then one 1–5 question per module of the programme the
course follows, generated from `module_question`. Answers are stored with the questionnaire's
code and version, so a later edit of a file never changes what an old answer meant.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from ..curricula.catalogue import Catalogue, Curriculum, CurriculumError, _Reader

KINDS = ("scale", "choice", "multi", "text")
#: the 1–5 scale's labels, lowest first, unless a question gives its own
SCALE_LABELS = ("Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng")
#: the longest short answer kept
TEXT_MAX = 1000
MODULE_PREFIX = "module:"

_TOP_KEYS = {"code", "version", "title", "intro", "default", "module_question", "module_labels", "questions"}
_QUESTION_KEYS = {"key", "kind", "text", "options", "labels", "required"}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class QuestionnaireError(CurriculumError):
    """A questionnaire file is invalid; the message names the file and the field."""


class _QuestionnaireReader(_Reader):
    def fail(self, field: str, message: str):
        raise QuestionnaireError(self.path, field, message)

    def labels(self, data: dict, key: str, field: str, count: int | None = None) -> tuple[str, ...] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(field, "phải là danh sách chuỗi ký tự không rỗng")
        if count is not None and len(value) != count:
            self.fail(field, f"phải có đúng {count} nhãn, từ thấp đến cao")
        if len(set(value)) != len(value):
            self.fail(field, "có lựa chọn bị trùng")
        return tuple(v.strip() for v in value)


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    text: str
    #: the scale's five labels (lowest first) or the options of a choice
    options: tuple[str, ...] = ()
    required: bool = True
    #: for a generated question, the module it asks about
    module_code: str = ""

    @property
    def is_scale(self) -> bool:
        return self.kind == "scale"


@dataclass(frozen=True)
class Questionnaire:
    code: str
    version: str
    title: str
    intro: str
    is_default: bool
    questions: tuple[Question, ...]
    module_question: str = ""
    module_labels: tuple[str, ...] = SCALE_LABELS

    def for_curriculum(self, curriculum: Curriculum | None) -> tuple[Question, ...]:
        """The questions a course of this programme is asked: the file's, then one per module
        (optional: a trainee may have missed a module)."""
        if curriculum is None or not self.module_question:
            return self.questions
        generated = tuple(
            Question(
                MODULE_PREFIX + m.code,
                "scale",
                self.module_question.format(module=f"{m.code}. {m.title}"),
                self.module_labels,
                False,
                m.code,
            )
            for m in curriculum.modules
        )
        return self.questions + generated


def parse_questionnaire(path: Path) -> Questionnaire:
    """Read and validate one questionnaire file.

    :raises QuestionnaireError: naming the file and the first invalid field.
    """
    reader = _QuestionnaireReader(path)
    data = reader.read()
    reader.table(data, "", _TOP_KEYS)
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        reader.fail("questions", "cần ít nhất một câu hỏi ([[questions]])")
    questions, seen = [], set()
    for index, raw in enumerate(raw_questions):
        field = f"questions[{index}]"
        reader.table(raw, field, _QUESTION_KEYS)
        key = reader.text(raw, "key", f"{field}.key")
        if not _KEY.match(key):
            reader.fail(f"{field}.key", "chỉ gồm chữ thường không dấu, số và dấu _, bắt đầu bằng chữ (tối đa 40)")
        if key in seen:
            reader.fail(f"{field}.key", f"mã câu hỏi {key} bị trùng")
        seen.add(key)
        kind = reader.choice(raw, "kind", f"{field}.kind", KINDS)
        if kind == "scale":
            if "options" in raw:
                reader.fail(f"{field}.options", "câu hỏi thang điểm dùng labels (5 nhãn), không dùng options")
            options = reader.labels(raw, "labels", f"{field}.labels", 5) or SCALE_LABELS
        elif kind in ("choice", "multi"):
            if "labels" in raw:
                reader.fail(f"{field}.labels", "chỉ câu hỏi thang điểm (scale) có labels")
            options = reader.labels(raw, "options", f"{field}.options")
            if options is None or len(options) < 2:
                reader.fail(f"{field}.options", "cần ít nhất hai lựa chọn")
        else:
            for extra in ("options", "labels"):
                if extra in raw:
                    reader.fail(f"{field}.{extra}", "câu hỏi trả lời ngắn (text) không có lựa chọn")
            options = ()
        questions.append(
            Question(
                key,
                kind,
                reader.text(raw, "text", f"{field}.text"),
                options,
                reader.flag(raw, "required", f"{field}.required", True),
            )
        )
    module_question = reader.text(data, "module_question", "module_question", default="")
    if module_question and "{module}" not in module_question:
        reader.fail("module_question", "phải chứa {module} (chỗ điền tên chuyên đề)")
    if module_question.count("{") != module_question.count("{module}"):
        reader.fail("module_question", "chỉ được dùng {module} trong ngoặc nhọn")
    code = reader.text(data, "code", "code")
    if not code.replace("-", "").isalnum():
        reader.fail("code", "chỉ gồm chữ, số và dấu -, ví dụ PDG")
    return Questionnaire(
        code=code,
        version=reader.text(data, "version", "version"),
        title=reader.text(data, "title", "title"),
        intro=reader.text(data, "intro", "intro", default=""),
        is_default=reader.flag(data, "default", "default", False),
        questions=tuple(questions),
        module_question=module_question,
        module_labels=reader.labels(data, "module_labels", "module_labels", 5) or SCALE_LABELS,
    )


class Questionnaires(Catalogue):
    """Every loaded questionnaire version (`get`, `current` as for the programmes), the default
    one, and `for_programme(code)`: the one a programme uses."""

    def __init__(self, items: list[Questionnaire], by_programme: dict[str, str]):
        super().__init__(items)
        self.default = next(q for q in self.all_current() if q.is_default)
        self._by_programme = by_programme

    def for_programme(self, curriculum_code: str) -> Questionnaire:
        """The current version of the questionnaire a programme names, or the default one."""
        return self.current(self._by_programme.get(curriculum_code, self.default.code))


def _programme_file(directory: Path, code: str) -> Path:
    """The programme file that defines `code`, for a message naming it."""
    return next((p for p in sorted(directory.glob("*.toml")) if _Reader(p).read().get("code") == code), directory)


def load_questionnaires(directory: Path | str, curricula: Catalogue, curricula_dir: Path | str) -> Questionnaires:
    """Load and validate every *.toml file in `directory`, and the questionnaire each programme
    names (a programme naming an unknown one stops the app, naming the programme's file).

    :raises QuestionnaireError: for the first invalid file.
    """
    directory = Path(directory)
    items, origins = [], {}
    for path in sorted(directory.glob("*.toml")):
        item = parse_questionnaire(path)
        key = (item.code, item.version)
        if key in origins:
            raise QuestionnaireError(path, "version", f"{item.code} {item.version} đã có trong {origins[key].name}")
        origins[key] = path
        items.append(item)
    if not items:
        raise QuestionnaireError(directory, "(thư mục)", "không có tệp phiếu đánh giá *.toml nào")
    defaults = sorted({q.code for q in items if q.is_default})
    if len(defaults) != 1:
        where = next((p for (c, _v), p in origins.items() if c in defaults[1:]), directory)
        raise QuestionnaireError(
            where,
            "default",
            "cần đúng một phiếu mặc định (default = true)" + (f"; đang có: {', '.join(defaults)}" if defaults else ""),
        )
    codes = {q.code for q in items}
    by_programme = {}
    for curriculum in curricula.all_current():
        if curriculum.questionnaire and curriculum.questionnaire not in codes:
            raise CurriculumError(
                _programme_file(Path(curricula_dir), curriculum.code),
                "questionnaire",
                f"không có phiếu đánh giá mã {curriculum.questionnaire} trong {directory.name}/",
            )
        if curriculum.questionnaire:
            by_programme[curriculum.code] = curriculum.questionnaire
    return Questionnaires(items, by_programme)
