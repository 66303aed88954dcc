from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import ClockField, DayField, Form, Required, SelectManyField


class MultiCheckboxField(SelectManyField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CourseForm(Form):
    unit_id = SelectField(_l("Đơn vị tổ chức"), coerce=int)
    #: 0: the whole unit; the choices are the areas that exist (the admin's) or the trainer's own
    area_id = SelectField(_l("Địa bàn"), coerce=int, default=0, validate_choice=True)
    curriculum_code = SelectField(_l("Chương trình"))
    title = StringField(_l("Tên khóa học"), validators=[Optional(), Length(max=250)])
    venue = StringField(_l("Địa điểm"), validators=[DataRequired(), Length(max=250)])
    starts_on = DayField(_l("Ngày bắt đầu"), validators=[Required(message=_l("Nhập ngày bắt đầu (dd/mm/yyyy)."))])
    capacity = IntegerField(
        _l("Số học viên tối đa"), default=40, validators=[InputRequired(), NumberRange(min=1, max=500)]
    )
    trainer_ids = MultiCheckboxField(
        _l("Giảng viên"), coerce=int, validators=[DataRequired(message=_l("Chọn ít nhất một giảng viên."))]
    )
    notes = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=4000)])
    morning_start = ClockField(
        _l("Sáng từ"), default=time(7, 30), validators=[Required(message=_l("Nhập giờ (hh:mm)."))]
    )
    morning_end = ClockField(
        _l("Sáng đến"), default=time(11, 30), validators=[Required(message=_l("Nhập giờ (hh:mm)."))]
    )
    afternoon_start = ClockField(
        _l("Chiều từ"), default=time(13, 30), validators=[Required(message=_l("Nhập giờ (hh:mm)."))]
    )
    afternoon_end = ClockField(
        _l("Chiều đến"), default=time(17, 0), validators=[Required(message=_l("Nhập giờ (hh:mm)."))]
    )
    skip_saturdays = BooleanField(_l("Nghỉ thứ Bảy"))
    skip_sundays = BooleanField(_l("Nghỉ Chủ nhật"), default=True)
    late_after_minutes = IntegerField(
        _l("Tính đi muộn sau (phút)"), default=15, validators=[InputRequired(), NumberRange(min=0, max=120)]
    )

    SLOT_FIELDS = (
        "morning_start",
        "morning_end",
        "afternoon_start",
        "afternoon_end",
        "skip_saturdays",
        "skip_sundays",
        "late_after_minutes",
    )


class StatusForm(Form):
    status = SelectField(_l("Trạng thái mới"))
    reason = StringField(_l("Lý do (bắt buộc khi hủy hoặc mở lại)"), validators=[Optional(), Length(max=500)])
    #: set by the confirmation page that closing or cancelling goes through first
    confirmed = HiddenField()


class SessionForm(Form):
    module_code = SelectField(_l("Chuyên đề"))
    day = DayField(_l("Ngày"), validators=[Required(message=_l("Nhập ngày hợp lệ."))])
    start = ClockField(_l("Bắt đầu"), validators=[Required(message=_l("Nhập giờ hợp lệ."))])
    end = ClockField(_l("Kết thúc"), validators=[Required(message=_l("Nhập giờ hợp lệ."))])
    periods = IntegerField(_l("Số tiết"), validators=[Optional(), NumberRange(min=1, max=12)])
    venue = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=250)])
    trainer_id = SelectField(_l("Giảng viên"), coerce=int)


class SplitForm(Form):
    first_periods = IntegerField(_l("Số tiết của phần đầu"), validators=[InputRequired(), NumberRange(min=1)])


class ConfirmForm(Form):
    """An empty form: a POST with a CSRF token, for buttons that need a confirmation."""


def _again_reason():
    return StringField(
        _l("Lý do học lại (khi ghi danh người đã hoàn thành chương trình)"), validators=[Optional(), Length(max=500)]
    )


class EnrolForm(Form):
    trainee_ids = SelectManyField(_l("Học viên"), coerce=int, validate_choice=False)
    again_reason = _again_reason()


class EnrolFilterForm(Form):
    commune_id = SelectField(_l("Xã/phường"), coerce=int)
    group = SelectField(_l("Nhóm"))
    again_reason = _again_reason()


class EnrolImportForm(Form):
    file = FileField(
        _l("Tệp danh sách (.xlsx hoặc .csv)"),
        validators=[
            FileRequired(_l("Chọn một tệp.")),
            FileAllowed(["xlsx", "csv"], _l("Chỉ nhận tệp .xlsx hoặc .csv.")),
        ],
    )
    again_reason = _again_reason()


class WithdrawForm(Form):
    reason = StringField(
        _l("Lý do rút tên"), validators=[DataRequired(message=_l("Cần ghi lý do rút tên.")), Length(max=500)]
    )
