"""HTTP security headers for every response."""

from flask import Flask, abort, g, request

# No inline scripts anywhere (behaviour is wired from static/js by data attributes); inline
# style attributes are allowed because the charts' SVG carries them.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_bytes(app: Flask) -> None:
    """A NUL byte is never part of what a person types, and PostgreSQL refuses it in any text
    (even in a WHERE clause), so a request carrying one in its path, query string, form or
    JSON is answered 400 before any view hands it to the database."""

    @app.before_request
    def _no_nul():
        if request.endpoint == "static":
            return
        form = request.form if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") else {}
        if (
            _has_nul(request.path)
            or _has_nul(request.args.to_dict(flat=False))
            or _has_nul(form.to_dict(flat=False) if form else {})
            or (request.is_json and _has_nul(request.get_json(silent=True)))
        ):
            abort(400)


def no_store(response):
    """Mark a response that shows a person's data so that no browser or proxy keeps a copy
    (a shared phone's back button, a hall's caching proxy)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Check-in and verification URLs carry tokens and codes: never send them onwards.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        # Every page a signed-in person sees may show someone's data (a trainee's record, an
        # export, a certificate): no browser or proxy keeps a copy. Asked as "not anonymous":
        # is_authenticated reads the account's is_active, which a commit has expired, and
        # would read the account again just to set this header.
        if request.endpoint != "static" and not getattr(g.get("_login_user"), "is_anonymous", True):
            no_store(response)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
