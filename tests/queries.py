"""The SQL statements a piece of work sends, for the tests that hold a page's or a save's
statements (or reads) constant whatever the number of trainees."""

from contextlib import contextmanager

from sqlalchemy import event

from training.extensions import db


class Statements(list):
    """The statements sent, in order."""

    @property
    def reads(self) -> int:
        return sum(1 for statement in self if statement.lstrip().upper().startswith("SELECT"))


@contextmanager
def statements_sent():
    """with statements_sent() as sent: … — `sent` holds every statement sent meanwhile."""
    sent = Statements()

    def listener(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


@contextmanager
def objects_loaded(model):
    """with objects_loaded(Course) as loaded: … — `loaded` holds the id of every row of `model`
    read into an object meanwhile (whether or not the object is still around afterwards)."""
    loaded = []

    def listener(target, _context):
        loaded.append(target.id)

    event.listen(model, "load", listener)
    try:
        yield loaded
    finally:
        event.remove(model, "load", listener)
