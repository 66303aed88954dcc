from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..auth.passwords import NotCommon
from ..forms import DayField, Form, Required
from . import GENDER_LABELS, GROUP_LABELS


class TraineeForm(Form):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    birth_date = DayField(_l("Ngày sinh"), validators=[Required(message=_l("Nhập ngày sinh hợp lệ."))])
    gender = SelectField(_l("Giới tính"), choices=[SelectChoice(code, label) for code, label in GENDER_LABELS.items()])
    position = StringField(_l("Chức vụ"), validators=[Optional(), Length(max=160)])
    commune_id = SelectField(_l("Xã/phường"), coerce=int, validate_choice=True)
    group = SelectField(
        _l("Nhóm đối tượng"), choices=[SelectChoice(code, label) for code, label in GROUP_LABELS.items()]
    )
    phone = StringField(
        _l("Điện thoại"),
        validators=[Optional(), Regexp(r"^0\d{9}$", message=_l("Số điện thoại gồm 10 chữ số, bắt đầu bằng 0."))],
    )
    confirm_duplicate = BooleanField(_l("Tôi đã kiểm tra: đây là người khác, vẫn lưu"))


class TraineeImportForm(Form):
    file = FileField(
        _l("Tệp danh sách (.xlsx hoặc .csv)"),
        validators=[
            FileRequired(_l("Chọn một tệp.")),
            FileAllowed(["xlsx", "csv"], _l("Chỉ nhận tệp .xlsx hoặc .csv.")),
        ],
    )
    unit_id = SelectField(_l("Đơn vị quản lý"), coerce=int)


class UserCreateForm(Form):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[
            DataRequired(),
            Length(min=3, max=64),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Chỉ dùng chữ không dấu, số, dấu chấm, gạch ngang.")),
        ],
    )
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    unit_id = SelectField(_l("Đơn vị quản lý"), coerce=int)
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[DataRequired(), Length(min=8, max=128), NotCommon()])


class PasswordResetForm(Form):
    password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[
            DataRequired(_l("Mật khẩu mới cần từ 8 đến 128 ký tự.")),
            Length(min=8, max=128, message=_l("Mật khẩu mới cần từ 8 đến 128 ký tự.")),
            NotCommon(),
        ],
    )


class UserEditForm(Form):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Vai trò"))
    unit_id = SelectField(_l("Đơn vị quản lý (giảng viên)"), coerce=int)


class UserActiveForm(Form):
    reason = StringField(_l("Lý do"), validators=[Optional(), Length(max=500)])


class TraineeAccountForm(Form):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[
            DataRequired(),
            Length(min=3, max=64),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Chỉ dùng chữ không dấu, số, dấu chấm, gạch ngang.")),
        ],
    )
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[DataRequired(), Length(min=8, max=128), NotCommon()])
