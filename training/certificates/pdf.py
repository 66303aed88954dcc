"""The certificate PDF (giấy chứng nhận), drawn straight on a reportlab canvas.

Made once, at issue; the stored bytes are what is served afterwards.
"""
import io
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas as pdfcanvas

from ..courses.models import Enrolment
from ..pdf import FONT, FONT_BOLD, FONT_ITALIC, MOTTO, MOTTO_SUB, draw_qr, register_fonts
from .models import Certificate

RED = colors.HexColor("#a31515")


def render_certificate(certificate: Certificate, enrolment: Enrolment, signer, on: date) -> bytes:
    """One certificate as PDF bytes (A4 landscape)."""
    from .services import verification_url

    register_fonts()
    buffer = io.BytesIO()
    page = pdfcanvas.Canvas(buffer, pagesize=landscape(A4), invariant=True)
    page.setTitle(f"Giấy chứng nhận {certificate.serial}")
    page.setAuthor(signer.issuer_parent)
    draw_certificate(page, certificate, enrolment, signer, on, verification_url(certificate))
    page.showPage()
    page.save()
    return buffer.getvalue()


def written_date(on: date) -> str:
    """The date as Nghị định 30/2020/NĐ-CP writes it, "ngày 05 tháng 01 năm 2027": a day below
    10 and the months 1 and 2 take a leading zero, the other months none."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"


def draw_certificate(page, certificate: Certificate, enrolment: Enrolment, signer, on: date, url: str) -> None:
    """Draw one certificate on the current page of `page`."""
    width, height = landscape(A4)
    trainee, course = enrolment.trainee, enrolment.course
    # Frame: a double border, as printed certificates have.
    page.setStrokeColor(RED)
    page.setLineWidth(2.2)
    page.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    page.setLineWidth(0.6)
    page.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)
    page.setFillColor(colors.black)

    left_x, right_x, top = 75 * mm, width - 85 * mm, height - 26 * mm
    page.setFont(FONT, 11)
    page.drawCentredString(left_x, top, signer.issuer_parent.upper())
    page.setFont(FONT_BOLD, 11)
    page.drawCentredString(left_x, top - 14, signer.issuer.upper())
    page.line(left_x - 22 * mm, top - 19, left_x + 22 * mm, top - 19)
    page.setFont(FONT, 10.5)
    serial_text = f"Số: {certificate.serial}" + (f" (bản sao lần {certificate.copy_number})" if certificate.is_copy else "")
    page.drawCentredString(left_x, top - 34, serial_text)
    page.setFont(FONT_BOLD, 11)
    page.drawCentredString(right_x, top, MOTTO)
    page.setFont(FONT_BOLD, 12)
    page.drawCentredString(right_x, top - 15, MOTTO_SUB)
    page.line(right_x - 30 * mm, top - 20, right_x + 30 * mm, top - 20)

    centre = width / 2
    y = height - 68 * mm
    page.setFillColor(RED)
    page.setFont(FONT_BOLD, 30)
    page.drawCentredString(centre, y, "GIẤY CHỨNG NHẬN")
    page.setFillColor(colors.black)
    if certificate.is_copy:
        page.setFont(FONT_ITALIC, 12)
        page.drawCentredString(centre, y - 18, "(Bản sao cấp lại, có giá trị như bản chính)")
    page.setFont(FONT_BOLD, 13)
    page.drawCentredString(centre, y - 38, f"{signer.issuer_parent.upper()} - {signer.issuer.upper()}")
    page.setFont(FONT, 13)
    page.drawCentredString(centre, y - 56, "CHỨNG NHẬN")

    honorific = "Bà" if trainee.gender == "female" else "Ông"
    lines = [
        (FONT_BOLD, 18, f"{honorific}: {certificate.holder_name}"),
        (FONT, 12.5, f"Sinh ngày: {certificate.holder_birth_date or trainee.birth_date:%d/%m/%Y}"),
        (FONT, 12.5, "Chức vụ, đơn vị công tác: " + ", ".join(
            part for part in (trainee.position, trainee.commune.name, trainee.commune.parent.name if trainee.commune.parent else "") if part)),
        (FONT_BOLD, 13.5, course.curriculum.certificate_wording),
        (FONT, 12.5, f"Khóa bồi dưỡng {certificate.course_code}, thời gian: {certificate.course_dates}, tại {course.venue}."),
    ]
    y -= 84
    for font, size, text in lines:
        page.setFont(font, size)
        for piece in simpleSplit(text, font, size, width - 70 * mm):
            page.drawCentredString(centre, y, piece)
            y -= size * 1.45
        y -= 4

    sign_x = width - 80 * mm
    sign_y = 52 * mm
    page.setFont(FONT_ITALIC, 12)
    page.drawCentredString(sign_x, sign_y, f"{signer.place}, {written_date(on)}")
    page.setFont(FONT_BOLD, 12)
    for index, piece in enumerate(simpleSplit(signer.title.upper(), FONT_BOLD, 12, 125 * mm)):
        page.drawCentredString(sign_x, sign_y - 16 - index * 15, piece)
    page.drawCentredString(sign_x, 20 * mm, signer.name)

    qr_size = 30 * mm
    draw_qr(page, url, 22 * mm, 19 * mm, qr_size)
    page.setFont(FONT, 8)
    page.drawString(22 * mm + qr_size + 3 * mm, 19 * mm + qr_size - 10, "Quét mã QR để kiểm tra giấy chứng nhận")
    page.drawString(22 * mm + qr_size + 3 * mm, 19 * mm + qr_size - 21, f"Mã kiểm tra: {certificate.verify_code}")
    page.drawString(22 * mm + qr_size + 3 * mm, 19 * mm + qr_size - 32, url)
