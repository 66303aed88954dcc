"""Row ids that arrive in URLs and query strings.

Primary keys are 32-bit integers on PostgreSQL (and SQLite's driver takes no more than 64
bits), so a larger number in a URL can name no row: it is treated as no such page (404) or no
such filter, never handed to the database driver, which would fail with an error (500).
"""

from werkzeug import routing

MAX_ID = 2**31 - 1


def db_int(value: str) -> int:
    """A query-string id (`request.args.get("unit", type=db_int)`): None when it is not one.

    :raises ValueError: not a whole number from 1 to MAX_ID.
    """
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


class IntegerConverter(routing.IntegerConverter):
    """`<int:…>` in routes, limited to ids that fit the database. (It keeps werkzeug's class
    name: tools that walk the URL map, the login-wall test among them, know it by that name.)"""

    def __init__(self, map, *args, **kwargs):  # `map`: werkzeug's name for the URL map
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
