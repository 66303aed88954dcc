"""The base of every form: Flask-WTF's, with WTForms' own messages ("This field is required.",
"Not a valid choice.", …) in the visitor's language. WTForms ships no Vietnamese catalogue, so
ours is translations/vi/LC_MESSAGES/wtforms.po; English pages keep WTForms' own wording."""
from functools import lru_cache

from babel.support import Translations
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError


@lru_cache(maxsize=8)
def _wtforms_translations(directory: str, locale: str):
    return Translations.load(directory, [locale], domain="wtforms")


class Form(FlaskForm):
    """A Flask-WTF form (CSRF and all) whose built-in validation messages are translated."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(current_app.config["BABEL_TRANSLATION_DIRECTORIES"], str(get_locale()))


class SelectManyField(SelectMultipleField):
    """A multiple choice that refuses the same choice sent twice (only a crafted request does
    that; saved as is, it would break a unique key further on). Every multiple choice uses it."""

    def pre_validate(self, form) -> None:
        if self.data and len(set(self.data)) != len(self.data):
            raise ValidationError(str(_l("Mỗi mục chỉ được chọn một lần.")))
        super().pre_validate(form)
