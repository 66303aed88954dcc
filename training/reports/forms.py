from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..forms import DayField, Form


class PeriodForm(Form):
    """The period of a report, from the query string: two dates typed as dd/mm/yyyy (links
    carry yyyy-mm-dd), whatever the browser's language. A GET form that changes nothing, so
    without a CSRF token."""

    class Meta:
        csrf = False

    start = DayField(_l("Hoặc từ ngày"))
    end = DayField(_l("đến ngày"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        start, end = self.start.data, self.end.data
        if (start is None) != (end is None):
            missing = self.end if end is None else self.start
            missing.errors.append(_("Nhập cả hai ngày để xem báo cáo theo khoảng ngày."))
            return False
        if start and end and start > end:
            self.end.errors.append(
                _(
                    "“Đến ngày” (%(b)s) trước “Từ ngày” (%(a)s): hãy đổi lại hai ngày.",
                    a=start.strftime("%d/%m/%Y"),
                    b=end.strftime("%d/%m/%Y"),
                )
            )
            return False
        return True
