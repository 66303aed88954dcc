"""Certificate use cases: CertificateError, which they all raise, and revocation and its
undoing. The others by what they do: eligibility.py (scores and eligibility), issuing.py (serials,
batches and copies), verification.py (verify codes and the public look-ups).

Services flush and never commit; the view or command that calls them commits once.
"""

from flask_babel import gettext as _

from .. import audit
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from .models import REVOKE_CATEGORIES, Certificate


class CertificateError(DomainError):
    """A certificate operation that cannot be done; the message is for the user."""


def revoke(certificate: Certificate, category: str, reason: str, user_id: int | None) -> Certificate:
    """Revoke a certificate (its verification URL keeps working and says so); audited.

    :raises CertificateError: unknown category, missing reason, or already revoked.
    """
    if category not in REVOKE_CATEGORIES:
        raise CertificateError(_("Chọn loại lý do thu hồi."))
    if not reason.strip():
        raise CertificateError(_("Cần ghi lý do thu hồi."))
    if certificate.is_revoked:
        raise CertificateError(_("Giấy chứng nhận đã bị thu hồi từ trước."))
    certificate.revoked_at, certificate.revoke_category, certificate.revoke_reason = utcnow(), category, reason.strip()
    audit.record("certificate.revoke", certificate, actor_id=user_id, category=category, reason=reason.strip())
    db.session.flush()
    return certificate


def unrevoke(certificate: Certificate, reason: str, user_id: int | None) -> Certificate:
    """Undo a revocation, audited with the reason.

    :raises CertificateError: not revoked, or no reason.
    """
    if not certificate.is_revoked:
        raise CertificateError(_("Giấy chứng nhận đang có hiệu lực."))
    if not reason.strip():
        raise CertificateError(_("Cần ghi lý do khôi phục."))
    before = {"category": certificate.revoke_category, "reason": certificate.revoke_reason}
    certificate.revoked_at, certificate.revoke_category, certificate.revoke_reason = None, "", ""
    audit.record("certificate.unrevoke", certificate, actor_id=user_id, before=before, reason=reason.strip())
    db.session.flush()
    return certificate
