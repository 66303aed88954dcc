"""Use cases for people: trainees (list, search, create, edit, duplicates) and accounts."""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager

from .. import audit
from ..auth.permissions import require_role, require_trainee
from ..clock import local_today
from ..errors import DomainError
from ..extensions import db
from ..units.models import Unit
from ..vietnamese import clean, fold
from . import search
from .models import GENDERS, GROUPS, ROLES, Trainee, User


class PeopleError(DomainError):
    """A people operation that cannot be done; the message is for the user."""


@dataclass
class TraineeFilter:
    q: str = ""
    unit_id: int | None = None
    commune_id: int | None = None
    group: str | None = None
    #: a cụm trainer's communes (permissions.commune_scope); None: no such limit
    commune_ids: set[int] | None = None

    @property
    def narrowed(self) -> bool:
        """Whether anything but the search limits the list (a unit, commune, group or cụm)."""
        return (
            self.unit_id is not None
            or self.commune_id is not None
            or self.commune_ids is not None
            or self.group in GROUPS
        )

    @cached_property
    def search_conditions(self) -> list:
        """The search's conditions, worked out once for a page and its count: the folded name
        holds the query (LIKE); on SQLite also the ids the trigram index found, when they are
        few (the LIKE decides)."""
        if not self.q:
            return []
        folded = fold(self.q)
        conditions = [Trainee.name_folded.contains(folded, autoescape=True)]
        candidates = search.trigram_candidates(folded)
        if candidates is not None:
            conditions.append(Trainee.id.in_(candidates))
        return conditions


def _unit_conditions(filters: TraineeFilter) -> list:
    """The filters other than the search, on the trainee's own columns (a unit as the ids of
    its communes), so that counting needs no join."""
    conditions = [Trainee.erased_at.is_(None)]
    if filters.unit_id is not None:
        conditions.append(Trainee.commune_id.in_(select(Unit.id).where(Unit.parent_id == filters.unit_id)))
    if filters.commune_id is not None:
        conditions.append(Trainee.commune_id == filters.commune_id)
    if filters.commune_ids is not None:
        conditions.append(Trainee.commune_id.in_(filters.commune_ids or [0]))
    if filters.group in GROUPS:
        conditions.append(Trainee.group == filters.group)
    return conditions


def trainee_query(filters: TraineeFilter) -> Select:
    """Trainees matching the filters, in Vietnamese name order, each with its commune (loaded
    by the same query, so a page of the list is one query whatever its communes)."""
    return (
        select(Trainee)
        .join(Trainee.commune)
        .options(contains_eager(Trainee.commune))
        .where(*_unit_conditions(filters), *filters.search_conditions)
        .order_by(Trainee.name_key, Trainee.id)
    )


def count_trainees(filters: TraineeFilter) -> int:
    """How many trainees trainee_query finds, without reading them: a count of the trainee
    table alone, which ix_trainee_commune_group_erased covers; the province-wide search on
    SQLite is counted from its trigram table (search.count_matches), less the erased names
    it holds. At 50,000 trainees the count of the whole list had cost 17 ms and of a common
    name's search 28, the rest of the page 8."""
    if filters.q and not filters.narrowed:
        folded = fold(filters.q)
        if (matches := search.count_matches(folded)) is not None:
            erased = db.session.scalar(
                select(func.count())
                .select_from(Trainee)
                .where(Trainee.erased_at.is_not(None), Trainee.name_folded.contains(folded, autoescape=True))
            )
            return matches - erased
    conditions = [*_unit_conditions(filters), *filters.search_conditions]
    return db.session.scalar(select(func.count()).select_from(Trainee).where(*conditions))


def get_trainee_or_404(trainee_id: int) -> Trainee:
    """The trainee, if the current user may act on their district.

    :raises NotFound: no such trainee. :raises Forbidden: another district's trainee.
    """
    trainee = db.get_or_404(Trainee, trainee_id)
    require_trainee(trainee)
    return trainee


def get_trainees_or_404(trainee_ids: list[int]) -> list[Trainee]:
    """The trainees with these ids (each once, in the order given), loaded with their communes
    in one query, if the current user may act on every one's district.

    :raises NotFound: an id with no trainee. :raises Forbidden: another district's trainee.
    """
    ids = list(dict.fromkeys(trainee_ids))
    found = {
        t.id: t
        for t in db.session.scalars(
            select(Trainee).join(Trainee.commune).options(contains_eager(Trainee.commune)).where(Trainee.id.in_(ids))
        )
    }
    if len(found) != len(ids):
        abort(404)
    for trainee in found.values():
        require_trainee(trainee)
    return [found[i] for i in ids]


def trainee_counts_by_commune() -> dict[int, int]:
    """Number of trainees per commune id."""
    rows = db.session.execute(select(Trainee.commune_id, func.count()).group_by(Trainee.commune_id))
    return dict(rows.all())


def trainee_identity(full_name: str, birth_date: date, commune_id: int) -> tuple:
    """What makes two trainees probably one person: the name (accents and case aside), the
    birth date and the commune."""
    return fold(full_name), birth_date, commune_id


#: names looked up in one query by identities_in: with the communes, within the 999 parameters
#: an SQLite before 3.32 takes
NAMES_PER_QUERY = 500


def identities_in(commune_ids: list[int], names: set[str]) -> set[tuple]:
    """trainee_identity of the trainees of these communes whose folded name is one of `names`
    (an import's check), in a query per NAMES_PER_QUERY names. Asking for every trainee of the
    communes read a province's 50,000 for a file of ten rows (17 MiB at once, a second)."""
    names = sorted(names)
    found = set()
    for start in range(0, len(names), NAMES_PER_QUERY):
        found.update(
            tuple(row)
            for row in db.session.execute(
                select(Trainee.name_folded, Trainee.birth_date, Trainee.commune_id).where(
                    Trainee.commune_id.in_(commune_ids), Trainee.name_folded.in_(names[start : start + NAMES_PER_QUERY])
                )
            )
        )
    return found


def find_probable_duplicates(
    full_name: str, birth_date: date, commune_id: int, exclude_id: int | None = None
) -> list[Trainee]:
    """Trainees of the same trainee_identity (the form's check, one trainee at a time)."""
    query = select(Trainee).where(
        Trainee.name_folded == fold(full_name),
        Trainee.birth_date == birth_date,
        Trainee.commune_id == commune_id,
    )
    if exclude_id is not None:
        query = query.where(Trainee.id != exclude_id)
    return list(db.session.scalars(query))


#: the earliest birth date taken as real: 1800 or 2090 is a typing slip, not a trainee
EARLIEST_BIRTH_DATE = date(1930, 1, 1)


def is_plausible_birth_date(born: date) -> bool:
    return EARLIEST_BIRTH_DATE <= born <= local_today()


def _check_trainee_fields(data: dict) -> None:
    if not clean(data.get("full_name")):
        raise PeopleError(_("Họ và tên không được để trống."))
    if not isinstance(data.get("birth_date"), date) or not is_plausible_birth_date(data["birth_date"]):
        raise PeopleError(_("Ngày sinh nằm ngoài khoảng hợp lý."))
    if data.get("group") not in GROUPS:
        raise PeopleError(_("Nhóm đối tượng không hợp lệ."))
    if data.get("gender") not in GENDERS:
        raise PeopleError(_("Giới tính không hợp lệ."))
    commune = db.session.get(Unit, data.get("commune_id") or 0)
    if commune is None or commune.level != "commune":
        raise PeopleError(_("Xã/phường không hợp lệ."))


def save_trainee(trainee: Trainee | None, data: dict, flush: bool = True) -> Trainee:
    """Create (trainee=None) or update a trainee from cleaned form data; flushes unless told
    not to (an import flushes all its rows together).

    :raises PeopleError: a field is missing or invalid.
    """
    _check_trainee_fields(data)
    if trainee is None:
        trainee = Trainee()
        db.session.add(trainee)
    trainee.full_name = data["full_name"]
    trainee.birth_date = data["birth_date"]
    trainee.gender = data["gender"]
    trainee.position = clean(data.get("position"))
    trainee.commune_id = data["commune_id"]
    trainee.group = data["group"]
    trainee.phone = clean(data.get("phone"))
    if flush:
        db.session.flush()
    return trainee


def create_user(username: str, password: str, full_name: str, role: str, unit_id: int | None = None) -> User:
    """Create a sign-in account; a trainer must be bound to a managing unit. Flushes.

    :raises PeopleError: duplicate username, unknown role, or trainer without a unit.
    """
    username = clean(username).lower()
    if role not in ROLES:
        raise PeopleError(_("Vai trò không hợp lệ."))
    if not username or len(password) < 8:
        raise PeopleError(_("Cần tên đăng nhập và mật khẩu từ 8 ký tự."))
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise PeopleError(_("Tên đăng nhập “%(u)s” đã có người dùng.", u=username))
    if role == "trainer":
        unit = db.session.get(Unit, unit_id or 0)
        if unit is None or unit.level == "commune":
            raise PeopleError(_("Giảng viên phải thuộc một đơn vị quản lý: tỉnh (trước 1/7/2025 là huyện)."))
    user = User(
        username=username, full_name=clean(full_name), role=role, unit_id=unit_id if role == "trainer" else None
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def get_user_or_404(user_id: int) -> User:
    """An account, for the admin only.

    :raises NotFound: no such account. :raises Forbidden: the current user is not the admin.
    """
    require_role("admin")
    return db.get_or_404(User, user_id)


# --- managing accounts (the admin) ----------------------------------------------------------


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True), User.id != user.id)
    )


def update_user(user: User, full_name: str, role: str, unit_id: int | None) -> User:
    """Change a staff account's name, role (admin or trainer) and, for a trainer, unit;
    audited. The last active admin stays an admin. Flushes.

    :raises PeopleError: a trainee's account given a staff role (or the reverse), a trainer
        without a unit, or the last admin made a trainer.
    """
    if not clean(full_name):
        raise PeopleError(_("Cần họ và tên."))
    if (role == "trainee") != (user.role == "trainee") or role not in ROLES:
        raise PeopleError(_("Vai trò không hợp lệ."))
    if user.role == "admin" and role != "admin" and user.is_active and not _other_active_admins(user):
        raise PeopleError(
            _("%(u)s là quản trị viên cuối cùng đang hoạt động: không đổi vai trò được.", u=user.username)
        )
    if role == "trainer":
        unit = db.session.get(Unit, unit_id or 0)
        if unit is None or unit.level == "commune":
            raise PeopleError(_("Giảng viên phải thuộc một đơn vị quản lý: tỉnh (trước 1/7/2025 là huyện)."))
    before = {"full_name": user.full_name, "role": user.role, "unit_id": user.unit_id}
    user.full_name, user.role = clean(full_name), role
    if role != "trainee":
        user.unit_id = unit_id if role == "trainer" else None
    after = {"full_name": user.full_name, "role": user.role, "unit_id": user.unit_id}
    if after != before:
        audit.record("user.update", user, before=before, after=after)
    db.session.flush()
    return user


def set_active(user: User, active: bool, by: User, reason: str = "") -> User:
    """Deactivate an account (it can no longer sign in and every session of it ends at once;
    its history stays) or reactivate it; audited. Neither one's own account nor the last
    active admin can be deactivated. Flushes.

    :raises PeopleError: one's own account, the last active admin, or no change to make.
    """
    if user.is_active == active:
        raise PeopleError(_("Tài khoản %(u)s đã ở trạng thái này.", u=user.username))
    if not active and user.role == "admin" and not _other_active_admins(user):
        raise PeopleError(_("%(u)s là quản trị viên cuối cùng đang hoạt động: không khóa được.", u=user.username))
    if not active and user.id == by.id:
        raise PeopleError(_("Không thể tự khóa tài khoản của chính mình."))
    user.is_active = active
    if not active:
        user.end_sessions()
    audit.record("user.activate" if active else "user.deactivate", user, actor_id=by.id, reason=clean(reason))
    db.session.flush()
    return user


def create_trainee_account(trainee: Trainee, username: str, password: str) -> User:
    """A sign-in for a trainee's own pages (/me), bound to their record; flushes.

    :raises PeopleError: the trainee already has one, or create_user refuses.
    """
    if db.session.scalar(select(User.id).where(User.trainee_id == trainee.id)) is not None:
        raise PeopleError(_("%(name)s đã có tài khoản đăng nhập.", name=trainee.full_name))
    user = create_user(username, password, trainee.full_name, "trainee")
    user.trainee_id = trainee.id
    db.session.flush()
    return user
