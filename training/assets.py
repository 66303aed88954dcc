"""Static files under versioned URLs, which browsers keep for a year.

`url_for("static", filename=…)` adds `?v=` and the first 12 hex digits of the SHA-256 of the
file's content; a GET for a static file that carries its current version is answered with
`Cache-Control: public, max-age=<a year>, immutable`. A trainee's phone on a weak connection
then opens the check-in page again with one request, the page itself, instead of first asking
again for the stylesheet and the script (the stylesheet holds back the page until answered);
the trainer's scanner page does not fetch its 250 kB QR reader again. A file that changes gets
a new URL with the next deployment; a request without the version, or with an old one, is
answered as before (`no-cache`: the browser asks each time whether the file changed).
"""

import hashlib
import os

from flask import Flask, current_app, request
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600


def static_version(filename: str) -> str | None:
    """The version of a file in the static folder, or None when `filename` names no regular
    file there. Names come from templates and from request paths alike: a path leading out of
    the folder is refused before anything is read, and only files found are remembered (one
    entry per file, as safe_join normalises the spelling), so requests cannot grow the memo."""
    path = safe_join(current_app.static_folder, filename)
    if path is None:
        return None
    versions = current_app.extensions["static_versions"]
    # Read once per file and process; in debug mode (make run) on every use, so that an edited
    # stylesheet shows at once.
    if path in versions and not current_app.debug:
        return versions[path]
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as file:
        versions[path] = hashlib.file_digest(file, "sha256").hexdigest()[:12]
    return versions[path]


def init_app(app: Flask) -> None:
    app.extensions["static_versions"] = {}

    @app.url_defaults
    def _add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename"):
            current = static_version(values["filename"])
            if current:
                values["v"] = current

    @app.after_request
    def _cache_current_version(response):
        # GET and HEAD only: Flask answers OPTIONS itself, without the static view's checks.
        if (
            request.endpoint == "static"
            and request.method in ("GET", "HEAD")
            and response.status_code in (200, 304)
            and request.args.get("v")
            and request.args["v"] == static_version(request.view_args["filename"])
        ):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        return response
