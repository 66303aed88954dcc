"""The domain errors' base, and the error pages in the site's layout (users never see a stack trace)."""

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db, login_manager


class DomainError(Exception):
    """Something a use case cannot do, for the user to read: `reasons` lists each message (one,
    or several when the service names every problem at once). The views flash them through
    web.commit_or_flash; str() joins them with `separator`."""

    separator = "; "

    def __init__(self, reasons: str | list[str] | tuple[str, ...]):
        self.reasons = list(reasons) if isinstance(reasons, list | tuple) else [reasons]
        super().__init__(self.separator.join(str(reason) for reason in self.reasons))


_TITLES = {
    400: _l("Yêu cầu không hợp lệ"),
    401: _l("Cần đăng nhập"),
    403: _l("Không có quyền truy cập"),
    404: _l("Không tìm thấy trang"),
    405: _l("Thao tác không được phép"),
    413: _l("Tệp quá lớn"),
    429: _l("Quá nhiều yêu cầu"),
    500: _l("Lỗi hệ thống"),
    503: _l("Hệ thống tạm thời không phục vụ được"),
}


#: the API's `error` codes: a string in every answer, as the OpenAPI document says
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def _render(status: int, message: str | None = None):
    title = str(_TITLES.get(status, _("Lỗi")))
    if request.path.startswith("/api/"):
        return jsonify(error=_CODES.get(status, "error"), message=message or title), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return _render(
            400, _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # A reason given with abort(code, description=…) is shown; Werkzeug's English default is not.
        reason = exc.description if exc.description != type(exc).description else None
        return _render(exc.code or 500, reason)

    @app.errorhandler(OperationalError)
    def _db_down(_exc):
        db.session.rollback()
        # The layout asks who is signed in, which needs the database (and the rollback expired
        # the user loaded before): draw this page as for a visitor.
        g._login_user = login_manager.anonymous_user()
        return _render(
            503, _("Không kết nối được cơ sở dữ liệu. Dữ liệu của bạn không bị mất; vui lòng thử lại sau ít phút.")
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if app.testing and not app.config.get("ERROR_PAGES_IN_TESTS"):
            raise exc  # let the test see the real failure
        app.logger.exception("Unhandled error", exc_info=exc)
        db.session.rollback()
        return _render(500, _("Đã có lỗi ngoài dự kiến. Sự cố đã được ghi lại."))
