import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, ValidationError
from wtforms.validators import DataRequired, Length

from ..forms import Form

#: a birth date as typed on a phone: day, month, year separated by / . - or spaces, or the
#: eight digits alone (a numeric keyboard may have no "/"); or ISO, as date pickers send it
_DMY = re.compile(r"^(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d+)$")
_DIGITS = re.compile(r"^(\d{2})(\d{2})(\d+)$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _strip(value):
    # Phone keyboards add a space after a word they complete; it must not make a date "too long".
    return value.strip() if isinstance(value, str) else value


def parse_birth_date(text: str) -> date:
    """A birth date typed as dd/mm/yyyy (or ddmmyyyy, or yyyy-mm-dd).

    :raises ValueError: with a message for the person typing it.
    """
    text = (text or "").strip()
    iso = _ISO.match(text)
    if iso:
        year, month, day = iso.groups()
    else:
        match = _DMY.match(text) or _DIGITS.match(text)
        if not match:
            raise ValueError(_l("Hãy nhập ngày sinh theo dạng ngày/tháng/năm, ví dụ 15/03/1985."))
        day, month, year = match.groups()
    if len(year) != 4:
        raise ValueError(_l("Năm sinh phải có đúng 4 chữ số, ví dụ 15/03/1985."))
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(_l("Ngày sinh không có thật: hãy kiểm tra ngày và tháng (ngày/tháng/năm).")) from None
    if not 1900 <= born.year <= date.today().year:
        raise ValueError(_l("Năm sinh không hợp lệ: hãy kiểm tra lại năm."))
    return born


class IdentifyForm(Form):
    """The one-time question a new phone is asked before its first check-in."""

    ticket = HiddenField()
    code = StringField(
        _l("Mã cá nhân (trên thẻ học viên) hoặc số điện thoại"),
        validators=[DataRequired(), Length(max=24)],
        filters=[_strip],
    )
    birth_date = StringField(
        _l("Ngày sinh (ngày/tháng/năm)"), validators=[DataRequired(), Length(max=24)], filters=[_strip]
    )

    #: the birth date read from birth_date once the form validates
    born: date | None = None

    def validate_birth_date(self, field) -> None:
        try:
            self.born = parse_birth_date(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc.args[0])) from None
