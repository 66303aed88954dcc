"""Small helpers the test modules share."""

from html import unescape

from sqlalchemy import func, select

from training.extensions import db


def count(model, *where) -> int:
    """Rows of `model` in the database (those matching `where`), flushed changes included."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def page_text(response) -> str:
    """A response's text with HTML entities decoded, to look for messages in it."""
    return unescape(response.get_data(as_text=True))


def vietnamese_number(number: int) -> str:
    """A whole number as a Vietnamese page writes it: thousands set off by dots (5.001)."""
    return f"{number:,}".replace(",", ".")
