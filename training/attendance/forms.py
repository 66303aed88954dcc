from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form


def _strip(value):
    # Phone keyboards add a space after a word they complete; it must not make a date "too long".
    return value.strip() if isinstance(value, str) else value


class IdentifyForm(Form):
    """The one-time question a new phone is asked before its first check-in."""

    ticket = HiddenField()
    code = StringField(_l("Mã cá nhân (trên thẻ học viên) hoặc số điện thoại"), validators=[DataRequired(), Length(max=20)], filters=[_strip])
    birth_date = StringField(_l("Ngày sinh"), validators=[DataRequired(), Length(max=10)], filters=[_strip])
