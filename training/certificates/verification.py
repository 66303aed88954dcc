"""Verification: the code a certificate carries and the public URL its QR points to, and the
public look-ups by that code or by serial and name, each counted."""

import secrets
import unicodedata

from sqlalchemy import select

from ..clock import local_today
from ..extensions import db, dialect_insert
from ..people.models import CODE_ALPHABET
from ..vietnamese import fold
from ..web import external_url
from .models import Certificate, VerificationCount

VERIFY_CODE_LENGTH = 17  # 17 characters of a 31-letter alphabet ≈ 84 bits


def new_verify_code() -> str:
    """A random verification code of about 84 bits, without confusable characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(VERIFY_CODE_LENGTH))


def _typed(text: str | None) -> str:
    """Public input with control characters read as spaces: nobody means them, and PostgreSQL
    refuses NUL in text, in a look-up as in the log."""
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in (text or ""))


def verify_by_code(code: str) -> tuple[str, Certificate | None]:
    """Look up a certificate by its verification code and count the look-up."""
    canonical = "".join(_typed(code).split()).replace("-", "").upper()[:32]
    certificate = None
    if len(canonical) == VERIFY_CODE_LENGTH and all(ch in CODE_ALPHABET for ch in canonical):
        certificate = db.session.scalar(select(Certificate).where(Certificate.verify_code == canonical))
    return _log(certificate, "qr")


def verify_by_serial(serial: str, full_name: str) -> tuple[str, Certificate | None]:
    """Look up a certificate by its serial and the holder's full name (accents and case
    ignored) and count the look-up; a copy is preferred over its revoked original."""
    serial, full_name = _typed(serial), _typed(full_name)
    candidates = db.session.scalars(
        select(Certificate).where(Certificate.serial == (serial or "").strip()).order_by(Certificate.copy_number.desc())
    ).all()
    matches = [c for c in candidates if fold(c.holder_name) == fold(full_name)]
    certificate = next((c for c in matches if not c.is_revoked), matches[0] if matches else None)
    return _log(certificate, "serial")


def _log(certificate: Certificate | None, via: str) -> tuple[str, Certificate | None]:
    """Count the look-up (what was typed is not kept: a count per day, way, outcome and
    certificate, added to in one statement)."""
    outcome = "unknown" if certificate is None else "revoked" if certificate.is_revoked else "valid"
    statement = dialect_insert(VerificationCount).values(
        day=local_today(), via=via, outcome=outcome, certificate_id=certificate.id if certificate else 0, count=1
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "via", "outcome", "certificate_id"],
            set_={"count": VerificationCount.__table__.c.count + 1},
        )
    )
    return outcome, certificate


def verification_url(certificate: Certificate) -> str:
    """The absolute public URL the certificate's QR carries (PUBLIC_BASE_URL decides the host)."""
    return external_url("certificates.verify_code", code=certificate.verify_code)
