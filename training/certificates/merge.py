"""Many stored certificate PDFs as one PDF, written page after page to a file.

A course's certificates printed together are a few hundred stored PDFs. pypdf's PdfWriter
keeps every page's objects until it writes (a batch of 300 added about 90 MiB to the
process while it was built, and the process kept most of it afterwards); here each input is
read, its pages' objects are written out under new numbers, and it is dropped before the
next, so the memory held is one certificate's objects and the offsets of the objects written.
"""

import io
from collections import deque
from collections.abc import Iterable
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NullObject, NumberObject, PdfObject

#: object numbers of the merged file's catalog and page tree, written last
CATALOG, PAGES = 1, 2


class _Output:
    """The file being written, with the byte offset of every object for the cross-reference table."""

    def __init__(self, out: BinaryIO):
        self.out, self.position, self.offsets = out, 0, {}

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def write_object(self, number: int, obj: PdfObject) -> None:
        self.offsets[number] = self.position
        self.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self)
        self.write(b"\nendobj\n")


def write_merged(pdfs: Iterable[bytes], out: BinaryIO) -> int:
    """Write the pages of every PDF of `pdfs`, in order, as one PDF to `out` (a binary file
    open for writing), taking one input at a time from the iterable. Returns the page count."""
    output = _Output(out)
    output.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    kids, next_number = [], PAGES + 1
    for pdf in pdfs:
        for page in PdfReader(io.BytesIO(pdf)).pages:  # inherited attributes already copied onto each page
            kids.append(IndirectObject(next_number, 0, None))
            next_number = _write_page(output, page.indirect_reference, next_number)
    output.write_object(
        PAGES, _dictionary(Type=NameObject("/Pages"), Kids=ArrayObject(kids), Count=NumberObject(len(kids)))
    )
    output.write_object(CATALOG, _dictionary(Type=NameObject("/Catalog"), Pages=IndirectObject(PAGES, 0, None)))
    table_at = output.position
    entries = [f"{output.offsets[number]:010d} 00000 n \n" for number in range(1, next_number)]
    output.write(f"xref\n0 {next_number}\n0000000000 65535 f \n{''.join(entries)}".encode())
    output.write(f"trailer\n<< /Size {next_number} /Root {CATALOG} 0 R >>\nstartxref\n{table_at}\n%%EOF\n".encode())
    return len(kids)


def _write_page(output: _Output, page: IndirectObject, number: int) -> int:
    """Write the page `page` as object `number`, and every object it refers to after it, each
    renumbered from number + 1 on; the next free number. Its parent becomes the merged page
    tree; a reference to another page, a page tree or a catalog (a link within the source
    file) becomes null, so that no other page is pulled in."""
    numbers = {(page.idnum, page.generation): number}
    waiting = deque([(number, page)])
    next_number = number + 1

    def renumbered(value: PdfObject) -> PdfObject:
        nonlocal next_number
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key not in numbers:
                target = value.get_object()
                if isinstance(target, DictionaryObject) and target.get("/Type") in ("/Page", "/Pages", "/Catalog"):
                    return NullObject()
                numbers[key] = next_number
                waiting.append((next_number, value))
                next_number += 1
            return IndirectObject(numbers[key], 0, None)
        if isinstance(value, DictionaryObject):  # a stream too: its data is kept as read
            for key, item in list(dict.items(value)):
                dict.__setitem__(value, key, renumbered(item))
        elif isinstance(value, ArrayObject):
            for index, item in enumerate(list.__iter__(value)):
                list.__setitem__(value, index, renumbered(item))
        return value

    while waiting:
        own, reference = waiting.popleft()
        obj = reference.get_object()
        if own == number:
            dict.pop(obj, "/Parent", None)
        obj = renumbered(obj)
        if own == number:
            dict.__setitem__(obj, NameObject("/Parent"), IndirectObject(PAGES, 0, None))
        output.write_object(own, obj)
    return next_number


def _dictionary(**entries: PdfObject) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{key}"): value for key, value in entries.items()})
