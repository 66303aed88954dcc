"""The one place that decides who may act on what.

A trainer works within one managing unit (their district, or the province where there are
only two levels), and within it in the area the admin assigned: the whole unit, or a group of
communes (a cụm), whose trainer sees and changes only those communes' trainees and the cụm's
courses. The admin works everywhere; a trainee sees only their own records.
"""

from functools import wraps

from flask import abort
from flask_login import current_user


def managed_unit_id(user) -> int | None:
    """The unit a trainer manages; None for the admin (no restriction)."""
    return None if user.is_admin else user.unit_id


def may_act_on_unit(user, unit_id: int | None) -> bool:
    """May this user see and change the data of the managing unit `unit_id`?"""
    if not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return user.is_trainer and unit_id is not None and user.unit_id == unit_id


def require_unit(unit_id: int | None) -> None:
    """Abort with 403 unless the current user may act on this managing unit.

    :raises werkzeug.exceptions.Forbidden:
    """
    if not may_act_on_unit(current_user, unit_id):
        abort(403)


def commune_scope(user) -> set[int] | None:
    """The communes a trainer of a cụm is limited to; None when the user's unit is the limit
    (the admin, a trainer of a whole province or district)."""
    if not user.is_authenticated or user.is_admin or user.area is None or user.area.kind != "cluster":
        return None
    return {commune.id for commune in user.area.communes}


def may_act_on_trainee(user, trainee) -> bool:
    """May this user see and change this trainee's data: their unit's, and their cụm's?"""
    scope = commune_scope(user)
    return may_act_on_unit(user, trainee.district_id) and (scope is None or trainee.commune_id in scope)


def may_act_on_course(user, course) -> bool:
    """May this user see and change this course: their unit's, and, for a trainer of a cụm,
    one of that cụm?"""
    if not may_act_on_unit(user, course.unit_id):
        return False
    return commune_scope(user) is None or course.area_id == user.area_id


def may_change_course(user, course) -> bool:
    """May this user change this course: one they may act on, while it is neither closed nor
    cancelled; the admin also afterwards, to correct it?"""
    return may_act_on_course(user, course) and (course.is_editable or user.is_admin)


def may_reopen_course(user) -> bool:
    """May this user reopen a closed course? The admin only: reopening lets results and
    certificates change after the fact."""
    return user is not None and user.is_authenticated and user.is_admin


def may_see_certificate(user, certificate) -> bool:
    """May this user see this certificate: a trainee their own only; staff one of a course
    they may act on?"""
    if not user.is_authenticated:
        return False
    if user.role == "trainee":
        return user.trainee_id == certificate.enrolment.trainee_id
    return may_act_on_course(user, certificate.enrolment.course)


def may_print_certificate(user, certificate) -> bool:
    """May this user download this certificate's PDF: one they may see, but a revoked one no
    longer by its holder (it is no longer theirs to print; staff still see it)?"""
    if not may_see_certificate(user, certificate):
        return False
    return not (certificate.is_revoked and user.role == "trainee")


def require_trainee(trainee) -> None:
    """Abort with 403 unless the current user may act on this trainee.

    :raises werkzeug.exceptions.Forbidden:
    """
    if not may_act_on_trainee(current_user, trainee):
        abort(403)


def require_course(course, write: bool = False) -> None:
    """Abort with 403 unless the current user may act on this course, and with `write` may
    also change it (may_change_course).

    :raises werkzeug.exceptions.Forbidden:
    """
    if not (may_change_course if write else may_act_on_course)(current_user, course):
        abort(403)


def require_role(*roles: str) -> None:
    """Abort with 403 unless the current user has one of these roles.

    :raises werkzeug.exceptions.Forbidden:
    """
    if not current_user.is_authenticated or current_user.role not in roles:
        abort(403)


def roles_required(*roles: str):
    """View decorator form of require_role."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_role(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator
