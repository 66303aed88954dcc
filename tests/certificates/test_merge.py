"""The course's certificates as one PDF (training/certificates/merge.py): the same pages as
the stored PDFs, built one stored PDF at a time."""

import io
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from tests.certificates.conftest import issue, pdf_text, qr_codes_in
from training.certificates.merge import write_merged
from training.certificates.verification import verification_url


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


def test_merging_holds_one_stored_pdf_at_a_time(make_finished, tmp_path):
    """The memory taken while 80 certificates are merged is about that of 10: what pypdf's
    PdfWriter took grew with every page (about 230 kB each). Measured in a process of its own:
    tracemalloc counts every thread's allocations, and in the suite's process a browser test's
    server may still be answering."""
    finished = make_finished(names=["Nguyễn Thị Hoa"])
    stored = tmp_path / "certificate.pdf"
    stored.write_bytes(issue(finished)[0].pdf)
    measure = (
        "import os, sys, tracemalloc\n"
        "from training.certificates.merge import write_merged\n"
        "pdf = open(sys.argv[1], 'rb').read()\n"
        "def peak(count):\n"
        "    tracemalloc.start()\n"
        "    with open(os.devnull, 'wb') as nowhere:\n"
        "        write_merged((pdf for _ in range(count)), nowhere)\n"
        "    seen = tracemalloc.get_traced_memory()[1]\n"
        "    tracemalloc.stop()\n"
        "    return seen\n"
        "print(peak(10), peak(80))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, str(stored)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    small, large = map(int, done.stdout.split())
    assert large < small + 2 * 2**20, (small, large)
