from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import DayField, Form, Required
from .issuers import DEFAULT_SERIAL_PATTERN


class IssuerForm(Form):
    """A dated issuer setting; the rules a paper needs are checked by issuers.save_setting."""

    valid_from = DayField(_l("Áp dụng từ ngày"), validators=[Required(_l("Cần ghi ngày bắt đầu áp dụng."))])
    unit_id = SelectField(_l("Áp dụng cho"), coerce=int, validate_choice=True)
    body_lines = TextAreaField(
        _l("Cơ quan ban hành (mỗi dòng một cấp, cấp trên trước)"),
        validators=[DataRequired(_l("Cần ghi cơ quan ban hành.")), Length(max=300)],
    )
    place = StringField(_l("Địa danh"), validators=[DataRequired(_l("Cần ghi địa danh.")), Length(max=80)])
    signer_title = StringField(
        _l("Chức vụ người ký"), validators=[DataRequired(_l("Cần ghi chức vụ người ký.")), Length(max=100)]
    )
    signer_title_2 = StringField(
        _l("Dòng thứ hai của chức vụ (khi ký thay, thay mặt, quyền, thừa lệnh)"),
        validators=[Optional(), Length(max=100)],
    )
    signer_name = StringField(_l("Họ tên người ký"), validators=[Optional(), Length(max=120)])
    symbol = StringField(
        _l("Ký hiệu cơ quan"), validators=[DataRequired(_l("Cần ghi ký hiệu cơ quan.")), Length(max=40)]
    )
    serial_pattern = StringField(
        _l("Mẫu số hiệu giấy chứng nhận"),
        default=DEFAULT_SERIAL_PATTERN,
        validators=[DataRequired(_l("Cần ghi mẫu số hiệu.")), Length(max=80)],
    )
    certifying_title = StringField(
        _l("Chức danh người chứng nhận (trên giấy chứng nhận)"),
        validators=[DataRequired(_l("Cần ghi chức danh người chứng nhận.")), Length(max=250)],
    )


class RenameForm(Form):
    name = StringField(_l("Tên mới"), validators=[DataRequired(_l("Cần ghi tên đơn vị.")), Length(max=120)])


class MergeForm(Form):
    """Merge this unit into another of the same level; asked twice (confirmed=1 the second time)."""

    target_id = SelectField(_l("Sáp nhập vào"), coerce=int, validate_choice=True)
    confirmed = HiddenField()


class ConvertForm(Form):
    """The conversion's confirmation; the choices for split communes are read by the view."""

    confirmed = HiddenField()


class AreaForm(Form):
    name = StringField(_l("Tên địa bàn"), validators=[DataRequired(_l("Cần ghi tên địa bàn.")), Length(max=120)])
    kind = SelectField(
        _l("Loại"),
        choices=[
            SelectChoice("cluster", _l("Cụm xã, phường")),
            SelectChoice("province", _l("Toàn tỉnh")),
            SelectChoice("district", _l("Huyện (trước 1/7/2025)")),
        ],
        validate_choice=True,
    )
    unit_id = SelectField(_l("Thuộc"), coerce=int, validate_choice=True)
    commune_ids = SelectMultipleField(_l("Các xã, phường của cụm"), coerce=int, validate_choice=False)


class AssignForm(Form):
    user_id = SelectField(_l("Giảng viên"), coerce=int, validate_choice=True)
    area_id = SelectField(_l("Địa bàn"), coerce=int, validate_choice=True)
