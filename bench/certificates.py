"""Benchmark: the cost of rendering a batch of certificates, and of their QR codes.

Not a test: run it by hand, from the project folder, as

    .venv/bin/python bench/certificates.py [--count 1000] [--chunks 5] [--qr-sample 100]

The same batch of fake but realistic certificates (Vietnamese names, communes, a verification
URL with a fresh random code each) is rendered, one PDF per certificate as issue_batch does, by
training.certificates.pdf.render_certificate three ways:

- text only: draw_qr replaced by nothing, the reference for everything but the QR;
- ours: the vector QR of training.pdf.qr.draw_qr;
- widget: the QR drawn by reportlab's own QrCodeWidget in a Drawing, through renderPDF.draw.

Costs are CPU time of this process (time.process_time), which other work on a busy machine
does not inflate; the batch is cut into chunks and the chunks of the three ways interleaved,
and each figure is the median over the chunks of the cost per certificate. The
QR's own cost is the certificate's minus the text-only one, and is also measured alone (a QR on
an empty page) on a sample of the URLs. The issue's target: ours at least 10x faster per QR
than the widget.
"""

import argparse
import io
import random
import secrets
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas

from training import create_app
from training.certificates import pdf as certificate_pdf
from training.certificates.verification import new_verify_code, verification_url
from training.pdf.fonts import register_fonts
from training.pdf.issuer import Issuer
from training.pdf.qr import draw_qr

BASE_URL = "https://taphuan.bacgiang.gov.vn"
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Thân",
    "Giáp",
]
MIDDLE_M, MIDDLE_F = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Xuân"], ["Thị", "Thu", "Ngọc", "Thanh", "Diệu", "Hồng"]
GIVEN_M = [
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khoa",
    "Long",
    "Mạnh",
    "Nam",
    "Phong",
    "Quang",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
]
GIVEN_F = [
    "Anh",
    "Châu",
    "Dung",
    "Giang",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Phượng",
    "Thảo",
    "Trang",
    "Yến",
]
COMMUNES = ["Xã Đồng Kỳ", "Xã Tam Tiến", "Phường Bắc Giang", "Xã Yên Thế", "Xã Bố Hạ", "Xã Xuân Lương"]
POSITIONS = [
    "Công chức Văn hóa - Xã hội",
    "Phụ trách đài truyền thanh xã",
    "Phó Bí thư Đoàn xã",
    "Chủ tịch Hội Phụ nữ xã",
]


def fake_batch(count: int, seed: int = 2026) -> list[tuple[SimpleNamespace, SimpleNamespace]]:
    """(certificate, enrolment) pairs with the attributes draw_certificate reads."""
    rng = random.Random(seed)
    province = SimpleNamespace(name="Tỉnh Bắc Ninh", parent=None)
    curriculum = SimpleNamespace(
        certificate_wording="Đã hoàn thành chương trình bồi dưỡng “Kỹ năng nghiệp vụ thông tin cơ sở và "
        "đài truyền thanh cấp xã”"
    )
    course = SimpleNamespace(
        curriculum=curriculum,
        venue="Hội trường UBND xã Yên Thế",
        code="24-2026-CT2-03",
        title="Kỹ năng nghiệp vụ thông tin cơ sở và đài truyền thanh cấp xã",
    )
    batch = []
    for number in range(1, count + 1):
        female = rng.random() < 0.5
        name = " ".join(
            (
                rng.choice(FAMILY),
                rng.choice(MIDDLE_F if female else MIDDLE_M),
                rng.choice(GIVEN_F if female else GIVEN_M),
            )
        )
        trainee = SimpleNamespace(
            full_name=name,
            gender="female" if female else "male",
            position=rng.choice(POSITIONS),
            birth_date=date(rng.randint(1965, 2000), rng.randint(1, 12), rng.randint(1, 28)),
            commune=SimpleNamespace(name=rng.choice(COMMUNES), parent=province),
        )
        certificate = SimpleNamespace(
            serial=f"{number:04d}/2026/GCN-SVHTTDL",
            copy_number=0,
            is_copy=False,
            verify_code=new_verify_code(),
            holder_name=name,
            holder_birth_date=trainee.birth_date,
            course_code=course.code,
            course_dates="09/03/2026 – 12/03/2026",
        )
        batch.append((certificate, SimpleNamespace(trainee=trainee, course=course)))
    return batch


def widget_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """The same QR (error correction M, quiet zone 4) drawn by reportlab's QrCodeWidget."""
    widget = QrCodeWidget(data, barLevel="M", barBorder=4)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def no_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    pass


WAYS = {
    "text only (no QR)": no_qr,
    "ours: training.pdf.qr.draw_qr": draw_qr,
    "reportlab QrCodeWidget": widget_qr,
}


def render_chunk(chunk, draw, issuer: Issuer, on) -> tuple[float, int]:
    """Seconds to render every certificate of `chunk` to its own PDF, and the bytes made."""
    certificate_pdf.draw_qr = draw  # what draw_certificate calls
    size = 0
    started = time.process_time()
    for certificate, enrolment in chunk:
        url = verification_url(certificate)
        size += len(certificate_pdf.render_certificate(certificate, enrolment, None, on, url, issuer))
    return time.process_time() - started, size


def qr_alone(urls: list[str], draw) -> float:
    """Seconds to draw one QR per page, for every URL, on an otherwise empty canvas."""
    page = pdfcanvas.Canvas(io.BytesIO())
    started = time.process_time()
    for url in urls:
        draw(page, url, 22 * mm, 19 * mm, 30 * mm)
        page.showPage()
    elapsed = time.process_time() - started
    page.save()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates in the batch (1000)")
    parser.add_argument("--chunks", type=int, default=5, help="timed chunks per way; the median is reported (5)")
    parser.add_argument("--qr-sample", type=int, default=100, help="URLs for the QR-alone comparison (100)")
    args = parser.parse_args()

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": BASE_URL,
        }
    )
    original = certificate_pdf.draw_qr
    with app.test_request_context():  # the verify links are built as a request would
        register_fonts()
        batch = fake_batch(args.count)
        issuer = Issuer(
            body_lines=("UBND TỈNH BẮC NINH", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"),
            place="Bắc Ninh",
            signer_title=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
            signer_name="Hoàng Văn Ký",
            symbol="SVHTTDL",
            certifying_title="GIÁM ĐỐC SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH TỈNH BẮC NINH",
        )
        on = date(2026, 3, 20)
        render_chunk(batch[:5], original, issuer, on)  # warm up fonts and caches
        step = -(-len(batch) // args.chunks)
        chunks = [batch[i : i + step] for i in range(0, len(batch), step)]
        per_cert: dict[str, list[float]] = {name: [] for name in WAYS}
        sizes = dict.fromkeys(WAYS, 0)
        cpu = time.process_time()
        try:
            for number, chunk in enumerate(chunks, 1):
                print(f"chunk {number}/{len(chunks)} …", file=sys.stderr, flush=True)
                for name, draw in WAYS.items():
                    seconds, size = render_chunk(chunk, draw, issuer, on)
                    per_cert[name].append(seconds / len(chunk) * 1000)
                    sizes[name] += size
        finally:
            certificate_pdf.draw_qr = original
        urls = [f"{BASE_URL}/v/{c.verify_code}" for c, _e in batch[: args.qr_sample]]
        sub = -(-len(urls) // args.chunks)
        alone = {
            name: statistics.median(
                qr_alone(urls[i : i + sub], draw) / len(urls[i : i + sub]) * 1000 for i in range(0, len(urls), sub)
            )
            for name, draw in list(WAYS.items())[1:]
        }
        cpu = time.process_time() - cpu

    median = {name: statistics.median(values) for name, values in per_cert.items()}
    text, ours, widget = (median[name] for name in WAYS)
    print(
        f"Batch of {len(batch)} certificates, one PDF each (A4 landscape), {len(chunks)} chunks per way, "
        f"median of the chunks; CPU time, {cpu:.0f} s in all.\n"
    )
    print(f"{'way':30} {'ms/certificate':>15} {'ms/QR (minus text)':>19} {'ms/QR alone':>12} {'kB/PDF':>8}")
    for name in WAYS:
        qr = "" if name == "text only (no QR)" else f"{median[name] - text:19.2f}"
        solo = f"{alone[name]:12.2f}" if name in alone else ""
        print(f"{name:30} {median[name]:15.2f} {qr:>19} {solo:>12} {sizes[name] / len(batch) / 1024:8.1f}")
    print()
    print(f"widget / ours, per certificate:          {widget / ours:6.1f}x")
    print(f"widget / ours, per QR drawn (minus text): {(widget - text) / max(ours - text, 1e-9):6.1f}x")
    print(
        "widget / ours, per QR alone:              "
        f"{alone['reportlab QrCodeWidget'] / alone['ours: training.pdf.qr.draw_qr']:6.1f}x"
        f"   (target: at least 10x)"
    )
    print(f"ours / text only, per certificate:        {ours / text:6.2f}x")


if __name__ == "__main__":
    main()
