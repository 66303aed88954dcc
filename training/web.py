"""Small helpers shared by the views of every domain."""
from collections.abc import Callable

from flask import flash

from .extensions import db


def commit_or_flash(action: Callable[[], object], error: type[Exception], success: str):
    """Run a service call; commit and flash `success` when it works, roll back and flash the
    domain error's message when it raises `error`. Returns the call's result, or None."""
    try:
        result = action()
    except error as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return None
    db.session.commit()
    flash(success, "success")
    return result
