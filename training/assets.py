"""Static files under versioned URLs, which browsers keep for a year.

`url_for("static", filename=…)` adds `?v=` and the first 12 hex digits of the SHA-256 of the
file's content; a request for a static file that carries its current version is answered with
`Cache-Control: public, max-age=<a year>, immutable`. A trainee's phone on a weak connection
then opens the check-in page again with one request, the page itself, instead of first asking
again for the stylesheet and the script (the stylesheet holds back the page until answered);
the trainer's scanner page does not fetch its 250 kB QR reader again. A file that changes gets
a new URL with the next deployment; a request without the version, or with an old one, is
answered as before (`no-cache`: the browser asks each time whether the file changed).
"""
import hashlib
from pathlib import Path

from flask import Flask, request

ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    versions: dict[str, str | None] = {}

    def version(filename: str) -> str | None:
        # Read once per file and process; in debug mode (make run) on every use, so that an
        # edited stylesheet shows at once.
        if filename not in versions or app.debug:
            try:
                versions[filename] = hashlib.sha256((Path(app.static_folder) / filename).read_bytes()).hexdigest()[:12]
            except OSError:  # not a file here: url_for builds the URL without a version
                versions[filename] = None
        return versions[filename]

    @app.url_defaults
    def _add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename"):
            current = version(values["filename"])
            if current:
                values["v"] = current

    @app.after_request
    def _cache_current_version(response):
        # Only a file the static route has served (its path checked by Flask's safe_join) is
        # hashed here: a 404 for a made-up path never reads anything.
        if (request.endpoint == "static" and response.status_code in (200, 304)
                and request.args.get("v") and request.args["v"] == version(request.view_args["filename"])):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        return response
