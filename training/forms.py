"""The base of every form: Flask-WTF's, with WTForms' own messages ("This field is required.",
"Not a valid choice.", …) in the visitor's language. WTForms ships no Vietnamese catalogue, so
ours is translations/vi/LC_MESSAGES/wtforms.po; English pages keep WTForms' own wording."""

from functools import lru_cache

from babel.support import Translations
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, StopValidation, ValidationError

from .clock import parse_clock, parse_day


@lru_cache(maxsize=8)
def _wtforms_translations(directory: str, locale: str):
    return Translations.load(directory, [locale], domain="wtforms")


class Form(FlaskForm):
    """A Flask-WTF form (CSRF and all) whose built-in validation messages are translated."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(current_app.config["BABEL_TRANSLATION_DIRECTORIES"], str(get_locale()))


class Required(DataRequired):
    """DataRequired for DayField and ClockField: silent when the field already said why the
    text typed could not be read, so a mistyped date gets one message, its own."""

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()
        super().__call__(form, field)


class _TypedField(StringField):
    """A text box for a value the server reads (`parse`) and writes back (strftime `display`),
    keeping what was typed when it cannot be read, with `refusal` as the message."""

    render = {}

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(
            label, validators, render_kw={**self.render, **(kwargs.pop("render_kw", None) or {})}, **kwargs
        )

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime(self.display) if self.data else ""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        self.data = self.parse(text) if text else None
        if text and self.data is None:
            raise ValueError(self.refusal % {"v": text})


class DayField(_TypedField):
    """A date typed and shown as dd/mm/yyyy whatever the browser's language: a text box, not
    the browser's date picker, which follows the browser (an English Chrome wants mm/dd/yyyy).
    Make it required with Required, which keeps to the field's own message for a mistyped date."""

    render = {
        "inputmode": "numeric",
        "pattern": r"\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}\s*|\d{4}-\d{2}-\d{2}",
        "placeholder": "dd/mm/yyyy",
    }
    parse, display = staticmethod(parse_day), "%d/%m/%Y"
    refusal = _l("Ngày “%(v)s” không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2027.")


class ClockField(_TypedField):
    """A time typed and shown as 24-hour HH:MM whatever the browser's language (an English
    browser's time box shows "01:30 PM"). Required with Required, as DayField."""

    render = {"pattern": r"\s*([01]?\d|2[0-3])\s*([:hH.]\s*[0-5]\d)?\s*", "placeholder": "hh:mm", "size": 6}
    parse, display = staticmethod(parse_clock), "%H:%M"
    refusal = _l("Giờ “%(v)s” không hợp lệ: nhập theo dạng 24 giờ hh:mm, ví dụ 13:30.")


class SelectManyField(SelectMultipleField):
    """A multiple choice that refuses the same choice sent twice (only a crafted request does
    that; saved as is, it would break a unique key further on). Every multiple choice uses it."""

    def pre_validate(self, form) -> None:
        if self.data and len(set(self.data)) != len(self.data):
            raise ValidationError(str(_l("Mỗi mục chỉ được chọn một lần.")))
        super().pre_validate(form)
