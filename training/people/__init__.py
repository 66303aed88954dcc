"""People: user accounts, trainees, and the trainee import."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("people", __name__)

GROUP_LABELS = {
    "commune_broadcast": _l("Công chức văn hóa - xã hội cấp xã, phụ trách đài truyền thanh cấp xã"),
    "party_mass_org": _l(
        "Cán bộ làm công tác thông tin, tuyên truyền thuộc cơ quan Đảng và các tổ chức chính trị - xã hội cấp xã"
    ),
}
GROUP_SHORT_LABELS = {
    "commune_broadcast": _l("Văn hóa - xã hội / đài truyền thanh xã"),
    "party_mass_org": _l("Khối Đảng, đoàn thể xã"),
}
GENDER_LABELS = {"male": _l("Nam"), "female": _l("Nữ")}
ROLE_LABELS = {"admin": _l("Quản trị (Sở)"), "trainer": _l("Giảng viên"), "trainee": _l("Học viên")}


@bp.app_template_global()
def group_label(code: str, long: bool = False) -> str:
    labels = GROUP_LABELS if long else GROUP_SHORT_LABELS
    return str(labels.get(code, code))


@bp.app_template_global()
def gender_label(code: str) -> str:
    return str(GENDER_LABELS.get(code, code))


@bp.app_template_global()
def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))


from . import unit_views, views  # noqa: E402,F401
