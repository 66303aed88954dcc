"""Who issues a paper, as the papers print it.

The admin keeps the issuer settings in the app, dated (the `units` domain stores them); a paper
takes the settings in force on its own date, so a 2024 paper keeps the issuer of 2024. The
papers themselves only read this plain value, with the signer someone typed on a form
(with_signer).
"""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Issuer:
    """The issuing body and signer of a paper, in the words printed on it."""

    #: the issuing body, superior first: ("UBND TỈNH BẮC NINH", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH")
    body_lines: tuple[str, ...]
    #: the place before the date: "Bắc Ninh" in "Bắc Ninh, ngày 04 tháng 5 năm 2026"
    place: str
    #: the signer's title, one or two lines: ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC") or ("GIÁM ĐỐC",)
    signer_title: tuple[str, ...]
    #: the signer's full name ("" on a blank form)
    signer_name: str
    #: the issuing body's symbol in document numbers: "SVHTTDL" in "15/KH-SVHTTDL"
    symbol: str
    #: the head who certifies, in full, as a certificate's body says it:
    #: "GIÁM ĐỐC SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH TỈNH BẮC NINH"
    certifying_title: str


def with_signer(issuer: Issuer, title: str | None = None, name: str | None = None, place: str | None = None) -> Issuer:
    """`issuer` with the signer (and place) someone typed on a form, where they typed one; a
    title of two lines ("KT. GIÁM ĐỐC" then "PHÓ GIÁM ĐỐC") is typed on two lines."""
    changes = {}
    if title and title.strip():
        changes["signer_title"] = tuple(line.strip() for line in title.strip().splitlines() if line.strip())
    if name is not None and name.strip():
        changes["signer_name"] = name.strip()
    if place and place.strip():
        changes["place"] = place.strip()
    return replace(issuer, **changes)
