import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, DateTime, ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..extensions import db
from ..units.models import Area, Unit
from ..vietnamese import clean, fold, name_sort_key
from . import search

ROLES = ("admin", "trainer", "trainee")
GROUPS = ("commune_broadcast", "party_mass_org")
GENDERS = ("male", "female")

# Personal and verify codes avoid characters people confuse on paper (0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def random_code(length: int = 10) -> str:
    """A random code from CODE_ALPHABET (10 characters ≈ 49 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def random_device_key() -> str:
    """A random key (128 bits) that a phone remembers its trainee by."""
    return secrets.token_urlsafe(16)


def new_session_token() -> str:
    """A random name for an account in its sign-in cookies (256 bits)."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """Someone who signs in: a province admin, a district trainer or a trainee."""

    # On SQLite, ids are never given again after a delete (AUTOINCREMENT), as PostgreSQL's
    # sequences never do: an id that outlived its account must not name the next one.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(120))
    #: admin | trainer | trainee
    role: Mapped[str] = mapped_column(String(10), index=True)
    #: for a trainer, the district (or, with two levels, the province) they work in
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    #: for a trainer, the area the admin assigned within that unit (a cụm narrows it to its
    #: communes); None: the whole unit
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    #: for a trainee account, the trainee record it belongs to
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("trainee.id"), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: what the sign-in cookies name the account by (never the id); a new one ends every
    #: session of the account: sign-out, password change or reset, deactivation
    session_token: Mapped[str] = mapped_column(String(43), unique=True, default=new_session_token)

    unit: Mapped[Unit | None] = relationship()
    area: Mapped[Area | None] = relationship()
    trainee: Mapped["Trainee | None"] = relationship(back_populates="user")

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and remember-me cookies; the user loader
        # finds the account by the id and accepts it only if the token matches, so a cookie
        # dies with the token (and with the account, whose token no later account shares).
        return f"{self.id}.{self.session_token}"

    def end_sessions(self) -> None:
        """Sign the account out everywhere: every cookie issued so far stops working."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        """Set a new password and end every session signed in with the old one."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_trainer(self) -> bool:
        return self.role == "trainer"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class Trainee(db.Model):
    """A commune official who attends training."""

    __table_args__ = (
        # The trainee list pages through everyone in name order, and its search matches
        # anywhere in the folded name, which a B-tree cannot seek: both indexes carry what the
        # list filters and joins on, so a search of under three letters scans an index, not
        # the table (a province has tens of thousands of trainees); longer ones use the
        # trigram index of search.py. The second also finds probable duplicates.
        Index("ix_trainee_name_order", "name_key", "id", "name_folded", "commune_id"),
        Index("ix_trainee_name_search", "name_folded", "commune_id"),
        # The list's count (services.count_trainees) reads this index alone: the commune and
        # group it filters on and the erasure it leaves out.
        Index("ix_trainee_commune_group_erased", "commune_id", "group", "erased_at"),
        # and the few erased names, which the search's count takes off what the trigram
        # table finds
        Index(
            "ix_trainee_erased_name",
            "name_folded",
            sqlite_where=text("erased_at IS NOT NULL"),
            postgresql_where=text("erased_at IS NOT NULL"),
        ),
        # Never give an erased trainee's id to the next one (see User).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    #: digits-only key for Vietnamese name order (given name first), kept by a listener
    name_key: Mapped[str] = mapped_column(String(250))
    #: the name without accents, lower case, for accent-insensitive search
    name_folded: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    #: male | female
    gender: Mapped[str] = mapped_column(String(10))
    position: Mapped[str] = mapped_column(String(160), default="")
    commune_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    #: commune_broadcast | party_mass_org
    group: Mapped[str] = mapped_column(String(20), index=True)
    phone: Mapped[str] = mapped_column(String(20), default="")
    #: random, unguessable; what the trainee's badge QR carries
    personal_code: Mapped[str] = mapped_column(String(16), unique=True, default=random_code)
    #: random, never reused: what a phone that identified as this trainee remembers (never the
    #: row id, which SQLite gives again after an erasure)
    device_key: Mapped[str | None] = mapped_column(String(32), unique=True, default=random_device_key)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    #: when the trainee's personal data was erased, the record kept (masked) for the training
    #: records the law requires (see SECURITY.md); None for a trainee as entered
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)

    commune: Mapped[Unit] = relationship()
    user: Mapped[User | None] = relationship(back_populates="trainee")

    @property
    def district_id(self) -> int | None:
        return self.commune.managing_unit_id if self.commune else None

    def __repr__(self) -> str:
        return f"<Trainee {self.id} {self.full_name}>"


search.attach(Trainee.__table__)


@event.listens_for(Trainee.full_name, "set", retval=True)
def _derive_name_columns(target: Trainee, value: str, _old, _initiator) -> str:
    # Keep the search and sort columns in step with the name, whoever sets it.
    value = clean(value)
    target.name_key = name_sort_key(value)
    target.name_folded = fold(value)
    return value
