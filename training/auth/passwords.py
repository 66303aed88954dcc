"""Passwords nobody should be allowed to choose: the ones tried first in any guessing."""

import functools
from pathlib import Path

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    """Whether `password` is on the list, or is one character repeated (case aside)."""
    folded = password.strip().lower()
    return folded in common_passwords() or len(set(folded)) <= 2


class NotCommon:
    """WTForms validator: refuse a password from the common list."""

    message = _l("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác (ví dụ ghép ba, bốn từ).")

    def __call__(self, _form, field) -> None:
        if field.data and is_common(field.data):
            raise ValidationError(str(self.message))
