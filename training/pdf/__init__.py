"""Shared PDF pieces, which every document in the app is built from: fonts.py (the fonts,
paragraph styles, text cut into lines), words.py (dates and numbers as papers write them),
paper.py (the heading with the national motto, the signer, "Nơi nhận", page numbers),
issuer.py (who issues a paper) and qr.py (QR codes drawn as vector shapes).

Official papers follow Nghị định 30/2020/NĐ-CP (thể thức văn bản): a Times-like serif with full
Vietnamese coverage (Noto Serif), quốc hiệu 12.5 pt bold, tiêu ngữ 13 pt bold with a rule as long
as the line, issuing body 12.5 pt, body 13 pt, page numbers centred in the top margin from page
2, a signer block that never stands alone on a page. Badges keep Be Vietnam Pro.
"""
