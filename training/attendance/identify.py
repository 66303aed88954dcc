"""Who a phone's answers name: a personal code or phone number, and a birth date, matched
against the trainees of a session's course (the one question a new phone is asked).
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from ..courses.models import CourseSession, Enrolment
from ..extensions import db
from ..people.models import CODE_ALPHABET, Trainee


def normalise_code(text: str) -> str | None:
    """A scanned or typed personal code in canonical form, or None if it cannot be one."""
    code = "".join((text or "").split()).upper()
    if not 6 <= len(code) <= 16 or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


@dataclass(frozen=True)
class Identification:
    """Who a phone's answers name: the trainee (enrolled in the session's course), or why not:
    `no_match` (no trainee has that code or phone with that birth date) or `not_in_course`
    (one has, but is not in this course: both secrets were right, so saying so tells nothing
    that was not known)."""

    trainee: Trainee | None
    reason: str


def normalise_phone(text: str) -> str | None:
    """A typed phone number as the digits a trainee's record holds: spaces, dots, dashes and
    brackets dropped, "+84"/"84" read as the leading 0. None if it cannot be a phone number."""
    digits = "".join(ch for ch in (text or "") if ch not in " .-()")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits if digits.isdigit() and 9 <= len(digits) <= 11 else None


def _stored_phone():
    """Trainee.phone without the separators a record may have been typed with."""
    column = Trainee.phone
    for ch in (" ", ".", "-"):
        column = func.replace(column, ch, "")
    return column


def identify_trainee(session: CourseSession, code_or_phone: str, birth_date) -> Identification:
    """The trainee of the session's course with this personal code (or phone number) and birth
    date. A code is tried first, then the phone number; two trainees sharing a phone and a birth
    date are no answer."""
    code = normalise_code(code_or_phone)
    phone = normalise_phone(code_or_phone)
    matches = []
    if code:
        matches.append(Trainee.personal_code == code)
    if phone:
        matches.append(_stored_phone().in_({phone, "+84" + phone[1:]}))
    # the course's trainees first (its enrolments are indexed): the answer of every right guess
    enrolled = (
        select(Trainee)
        .join(Enrolment, Enrolment.trainee_id == Trainee.id)
        .where(
            Enrolment.course_id == session.course_id, Enrolment.status == "enrolled", Trainee.birth_date == birth_date
        )
    )
    for match in matches:
        found = db.session.scalars(enrolled.where(match)).all()
        if found:
            return Identification(found[0], "ok") if len(found) == 1 else Identification(None, "no_match")
    # then, for a wrong one, whether it names someone of another course
    for match in matches:
        if db.session.scalar(select(Trainee.id).where(Trainee.birth_date == birth_date, match).limit(1)) is not None:
            return Identification(None, "not_in_course")
    return Identification(None, "no_match")
