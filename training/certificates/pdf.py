"""The certificate PDF (giấy chứng nhận), drawn straight on a reportlab canvas.

Made once, at issue; the stored bytes are what is served afterwards.
"""

import io
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as pdfcanvas

from ..courses.models import Enrolment
from ..pdf.fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, even_lines, register_fonts
from ..pdf.issuer import Issuer, with_signer
from ..pdf.paper import MOTTO, MOTTO_SUB
from ..pdf.qr import draw_qr
from ..pdf.words import in_text, written_date
from ..units.issuers import issuer_for
from .models import Certificate

#: the colour of the frame and the title (the rules and the text are black)
RED = colors.HexColor("#a31515")


def render_certificate(
    certificate: Certificate, enrolment: Enrolment, signer, on: date, url: str, issuer: Issuer | None = None
) -> bytes:
    """One certificate as PDF bytes (A4 landscape), its QR carrying `url`, the certificate's
    public verification URL. `issuer`: the issuer in force on `on`; without it,
    training.units.issuers.issuer_for's, with the signer typed on the issue form."""
    register_fonts()
    if issuer is None:
        issuer = with_signer(issuer_for(on, enrolment.course.unit), signer.title, signer.name, signer.place)
    buffer = io.BytesIO()
    page = pdfcanvas.Canvas(buffer, pagesize=landscape(A4), invariant=True, initialFontName=SERIF)
    page.setTitle(f"Giấy chứng nhận {certificate.serial}")
    page.setAuthor(issuer.body_lines[-1])
    draw_certificate(page, certificate, enrolment, issuer, on, url)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _centred_lines(page, text: str, font: str, size: float, x: float, y: float, width: float, leading: float) -> float:
    """`text` wrapped to `width` in even lines, centred on x from the baseline y down; returns the next y."""
    for piece in even_lines(text, font, size, width):
        page.setFont(font, size)
        page.drawCentredString(x, y, piece)
        y -= leading
    return y


def _course_lines(certificate: Certificate, enrolment: Enrolment) -> tuple[str, str]:
    """ "Đã tham gia lớp bồi dưỡng …," then "tổ chức từ ngày … đến ngày … tại …": two lines, so
    that a date is never cut from its "ngày"."""
    course = enrolment.course
    title = course.title.strip()
    lowered = in_text(title)
    name = lowered if lowered.startswith("lớp ") else f"lớp bồi dưỡng {lowered}"
    first, _dash, last = certificate.course_dates.partition(" – ")
    when = f"từ ngày {first} đến ngày {last}" if last else f"ngày {first}"
    return f"Đã tham gia {name},", f"tổ chức {when} tại {course.venue}."


def draw_certificate(page, certificate: Certificate, enrolment: Enrolment, issuer: Issuer, on: date, url: str) -> None:
    """Draw one certificate on the current page of `page`."""
    width, height = landscape(A4)
    trainee = enrolment.trainee
    # Frame: a double border, as printed certificates have.
    page.setStrokeColor(RED)
    page.setLineWidth(2.2)
    page.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    page.setLineWidth(0.6)
    page.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)
    page.setFillColor(colors.black)
    page.setStrokeColor(colors.black)

    # The heading: the issuing body left, quốc hiệu and tiêu ngữ right, each with its rule.
    left_x, right_x, top = 72 * mm, width - 80 * mm, height - 26 * mm
    y = top
    for index, line in enumerate(issuer.body_lines):
        font = SERIF if index == 0 and len(issuer.body_lines) > 1 else SERIF_BOLD
        y = _centred_lines(page, line.upper(), font, 12.5, left_x, y, 100 * mm, 15)
    last = issuer.body_lines[-1].upper()
    rule = min(100 * mm, stringWidth(last, SERIF_BOLD, 12.5)) * 0.4
    page.setLineWidth(0.6)
    page.line(left_x - rule / 2, y + 8, left_x + rule / 2, y + 8)
    page.setFont(SERIF_BOLD, 12.5)
    page.drawCentredString(right_x, top, MOTTO)
    page.setFont(SERIF_BOLD, 13)
    page.drawCentredString(right_x, top - 16, MOTTO_SUB)
    rule = stringWidth(MOTTO_SUB, SERIF_BOLD, 13)
    page.line(right_x - rule / 2, top - 22, right_x + rule / 2, top - 22)

    centre = width / 2
    y = height - 66 * mm
    page.setFillColor(RED)
    page.setFont(SERIF_BOLD, 30)
    page.drawCentredString(centre, y, "GIẤY CHỨNG NHẬN")
    page.setFillColor(colors.black)
    if certificate.is_copy:
        page.setFont(SERIF_ITALIC, 13)
        page.drawCentredString(centre, y - 18, f"(Cấp lại lần {certificate.copy_number})")
    y = _centred_lines(page, issuer.certifying_title.upper(), SERIF_BOLD, 13.5, centre, y - 40, width - 70 * mm, 17)
    page.setFont(SERIF, 13)
    page.drawCentredString(centre, y - 2, "CHỨNG NHẬN:")

    honorific = "Bà" if trainee.gender == "female" else "Ông"
    commune = trainee.commune
    where = ", ".join(
        in_text(part)
        for part in (
            trainee.position,
            commune.name if commune else "",
            commune.parent.name if commune and commune.parent else "",
        )
        if part
    )
    lines = [
        (SERIF_BOLD, 18, f"{honorific}: {certificate.holder_name}"),
        (SERIF, 13, f"Sinh ngày: {certificate.holder_birth_date or trainee.birth_date:%d/%m/%Y}"),
        (SERIF, 13, f"Chức vụ, đơn vị công tác: {where}"),
        (SERIF_BOLD, 13.5, enrolment.course.curriculum.certificate_wording),
        *((SERIF, 13, line) for line in _course_lines(certificate, enrolment)),
    ]
    y -= 30
    for index, (font, size, text) in enumerate(lines):
        y = _centred_lines(page, text, font, size, centre, y, width - 60 * mm, size * 1.4) - (0 if index == 3 else 3)

    # The signer: place and date, the title (one line each), room to sign, the name.
    sign_x = width - 80 * mm
    sign_y = 56 * mm
    page.setFont(SERIF_ITALIC, 13)
    page.drawCentredString(sign_x, sign_y, f"{issuer.place}, {written_date(on)}")
    page.setFont(SERIF_BOLD, 13)
    title_y = sign_y - 17
    for line in issuer.signer_title:
        title_y = _centred_lines(page, line.upper(), SERIF_BOLD, 13, sign_x, title_y, 125 * mm, 16)
    page.setFont(SERIF_BOLD, 13)
    page.drawCentredString(sign_x, 21 * mm, issuer.signer_name)

    qr_size = 30 * mm
    qr_x, qr_y = 22 * mm, 19 * mm
    draw_qr(page, url, qr_x, qr_y, qr_size)
    text_x = qr_x + qr_size + 3 * mm
    page.setFont(SERIF, 11)
    page.drawString(text_x, qr_y + qr_size + 8, f"Số vào sổ cấp: {certificate.serial}")
    page.setFont(SERIF, 8.5)
    page.drawString(text_x, qr_y + qr_size - 10, "Quét mã QR để kiểm tra giấy chứng nhận")
    page.drawString(text_x, qr_y + qr_size - 21, f"Mã kiểm tra: {certificate.verify_code}")
    page.drawString(text_x, qr_y + qr_size - 32, url)
