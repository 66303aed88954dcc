from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from ..forms import Form
from .models import REVOKE_CATEGORIES

REVOKE_CATEGORY_LABELS = {
    "fraud": _l("Gian lận hồ sơ, điểm danh hoặc kết quả"),
    "error": _l("Cấp nhầm hoặc sai thông tin"),
    "duplicate": _l("Cấp trùng"),
    "other": _l("Lý do khác"),
}


# Every validator carries its own message, naming what is missing: the default one ("Không
# được để trống.", from training/forms.py's catalogue) would not say which field on a
# certificate is meant.
class IssueForm(Form):
    signer_title = StringField(
        _l("Chức vụ người ký"), validators=[DataRequired(_l("Cần ghi chức vụ người ký.")), Length(max=120)]
    )
    signer_name = StringField(
        _l("Họ tên người ký"), validators=[DataRequired(_l("Cần ghi họ tên người ký.")), Length(max=120)]
    )
    place = StringField(
        _l("Địa danh ghi ngày cấp"), validators=[DataRequired(_l("Cần ghi địa danh ghi ngày cấp.")), Length(max=80)]
    )
    #: why the unticked trainees are held back this time (the issue page only)
    withheld_reason = StringField(_l("Lý do chưa cấp cho người bỏ chọn"), validators=[Optional(), Length(max=500)])


class RevokeForm(Form):
    # AnyOf instead of WTForms' own choice check, whose message would not say which choice.
    category = SelectField(
        _l("Loại lý do"),
        choices=[SelectChoice(c, REVOKE_CATEGORY_LABELS[c]) for c in REVOKE_CATEGORIES],
        validate_choice=False,
        validators=[AnyOf(REVOKE_CATEGORIES, message=_l("Chọn loại lý do thu hồi."))],
    )
    reason = StringField(_l("Lý do cụ thể"), validators=[DataRequired(_l("Cần ghi lý do thu hồi.")), Length(max=500)])


class UnrevokeForm(Form):
    reason = StringField(
        _l("Lý do khôi phục"), validators=[DataRequired(_l("Cần ghi lý do khôi phục.")), Length(max=500)]
    )


class VerifyForm(Form):
    serial = StringField(
        _l("Số hiệu giấy chứng nhận"), validators=[DataRequired(_l("Nhập số hiệu giấy chứng nhận.")), Length(max=40)]
    )
    full_name = StringField(
        _l("Họ và tên người được cấp"), validators=[DataRequired(_l("Nhập họ và tên người được cấp.")), Length(max=120)]
    )
