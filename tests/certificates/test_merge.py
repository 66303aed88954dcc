"""The course's certificates as one PDF (training/certificates/merge.py): the same pages as
the stored PDFs, built one stored PDF at a time."""
import io
import os
import tracemalloc

from pypdf import PdfReader, PdfWriter

from training.certificates.merge import write_merged
from tests.certificates.conftest import issue, pdf_text, qr_codes_in
from training.certificates.services import verification_url


def _merged(pdfs) -> bytes:
    out = io.BytesIO()
    write_merged(pdfs, out)
    return out.getvalue()


def test_the_merged_pdf_has_every_stored_page_as_it_was(make_finished, app):
    finished = make_finished(names=["Nguyễn Thị Hoa", "Lê Minh Châu", "Trần Văn Bình"])
    issued = issue(finished)
    stored = [certificate.pdf for certificate in issued]
    merged = _merged(iter(stored))
    reader = PdfReader(io.BytesIO(merged), strict=True)
    assert len(reader.pages) == 3
    for number, pdf in enumerate(stored):
        single = io.BytesIO()
        writer = PdfWriter()
        writer.add_page(reader.pages[number])
        writer.write(single)
        assert pdf_text(single.getvalue()) == pdf_text(pdf)
    with app.test_request_context():
        assert qr_codes_in(merged) == [verification_url(issued[0])]
    assert write_merged(iter([]), io.BytesIO()) == 0


def test_merging_holds_one_stored_pdf_at_a_time(make_finished):
    """The memory taken while 80 certificates are merged is about that of 10: what pypdf's
    PdfWriter took grew with every page (about 230 kB each)."""
    finished = make_finished(names=["Nguyễn Thị Hoa"])
    pdf = issue(finished)[0].pdf

    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            with open(os.devnull, "wb") as nowhere:  # only the merging's own memory is measured
                write_merged((pdf for _ in range(count)), nowhere)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(10), peak(80)
    assert large < small + 2 * 2**20, (small, large)

