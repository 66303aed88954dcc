"""Issuers and signers as dated data: the settings, the Issuer a paper of a date gets, the
admin page, and certificates that keep what they were issued with."""

from datetime import date

import pytest
from sqlalchemy import select

from training.extensions import db
from training.pdf.issuer import Issuer
from training.units import issuers
from training.units.models import IssuerSetting

SO_VHTTDL = dict(
    body_lines="UBND tỉnh Bắc Ninh\nSở Văn hóa, Thể thao và Du lịch",
    place="Bắc Ninh",
    signer_title="KT. Giám đốc",
    signer_title_2="Phó Giám đốc",
    signer_name="Nguyễn Văn Hùng",
    symbol="SVHTTDL",
    serial_pattern="{number}/{year}/GCN-{symbol}",
    certifying_title="Giám đốc Sở Văn hóa, Thể thao và Du lịch tỉnh Bắc Ninh",
)


def test_without_settings_a_province_issues_through_its_so_and_an_old_district_through_its_phong(units):
    province = issuers.issuer_for(date(2026, 3, 1), units["province"])
    assert province == Issuer(
        body_lines=("UBND TỈNH BẮC GIANG", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"),
        place="Bắc Giang",
        signer_title=("GIÁM ĐỐC",),
        signer_name="",
        symbol="SVHTTDL",
        certifying_title="GIÁM ĐỐC SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH TỈNH BẮC GIANG",
    )
    district = issuers.in_force(date(2024, 5, 1), units["A"])
    assert district.issuer.body_lines == ("UBND HUYỆN YÊN THẾ", "PHÒNG VĂN HÓA VÀ THÔNG TIN")
    assert district.issuer.place == "Yên Thế" and district.setting is None


def test_a_paper_takes_the_setting_in_force_on_its_date(units):
    issuers.save_setting(valid_from=date(2025, 7, 1), **SO_VHTTDL)
    issuers.save_setting(
        valid_from=date(2026, 1, 1),
        **{**SO_VHTTDL, "signer_title": "Giám đốc", "signer_title_2": "", "signer_name": "Trần Thị Mai"},
    )
    issuers.save_setting(
        valid_from=date(2023, 1, 1),
        unit_id=units["A"].id,
        body_lines="UBND huyện Yên Thế\nPhòng Văn hóa và Thông tin",
        place="Yên Thế",
        signer_title="Trưởng phòng",
        signer_title_2="",
        signer_name="Hoàng Văn Ký",
        symbol="VHTT",
        serial_pattern="{number:03d}/{year}/GCN-{symbol}",
        certifying_title="Trưởng phòng Văn hóa và Thông tin huyện Yên Thế",
    )
    db.session.commit()
    autumn_2025 = issuers.issuer_for(date(2025, 10, 2), units["province"])
    assert autumn_2025.body_lines == ("UBND TỈNH BẮC NINH", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH")
    assert autumn_2025.signer_title == ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC") and autumn_2025.signer_name == "Nguyễn Văn Hùng"
    assert autumn_2025.certifying_title == "GIÁM ĐỐC SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH TỈNH BẮC NINH"
    assert issuers.issuer_for(date(2026, 2, 1), units["province"]).signer_title == ("GIÁM ĐỐC",)
    # the district's own setting for the papers of its time; a district without one takes the province's
    assert issuers.issuer_for(date(2024, 5, 1), units["A"]).signer_name == "Hoàng Văn Ký"
    assert issuers.issuer_for(date(2026, 2, 1), units["B"]).signer_name == "Trần Thị Mai"
    # before any installation-wide setting, the default of the unit
    assert issuers.in_force(date(2024, 5, 1), units["province"]).setting is None
    force = issuers.in_force(date(2024, 5, 1), units["A"])
    assert issuers.serial(force.serial_pattern, 7, 2024, force.issuer.symbol) == "007/2024/GCN-VHTT"


def test_saving_again_on_the_same_date_replaces(units):
    issuers.save_setting(valid_from=date(2026, 1, 1), **SO_VHTTDL)
    issuers.save_setting(valid_from=date(2026, 1, 1), **{**SO_VHTTDL, "place": "Bắc Giang"})
    db.session.commit()
    assert [s.place for s in db.session.scalars(select(IssuerSetting))] == ["Bắc Giang"]


@pytest.mark.parametrize("prefix", ["KT.", "TM.", "Q.", "TL.", "TUQ."])
def test_a_title_signing_for_someone_needs_its_second_line(units, prefix):
    with pytest.raises(issuers.IssuerError, match="cần dòng thứ hai"):
        issuers.save_setting(
            valid_from=date(2026, 1, 1), **{**SO_VHTTDL, "signer_title": f"{prefix} Giám đốc", "signer_title_2": ""}
        )


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("{number}/GCN-{symbol}", "phải có {number} và {year}"),
        ("{year}/{symbol}", "phải có {number} và {year}"),
        ("{number.__class__}/{year}", "chỉ dùng {number}, {year} và {symbol}"),
        ("{number}/{year}/{unit}", "chỉ dùng"),
        ("{number}/{year}/{", "chỉ dùng"),
    ],
)
def test_a_serial_pattern_uses_only_its_fields(units, pattern, message):
    with pytest.raises(issuers.IssuerError, match=message.replace("{", r"\{").replace("}", r"\}")):
        issuers.save_setting(valid_from=date(2026, 1, 1), **{**SO_VHTTDL, "serial_pattern": pattern})


def test_serials_and_their_counter_scope():
    assert issuers.serial(issuers.DEFAULT_SERIAL_PATTERN, 15, 2026, "SVHTTDL") == "15/2026/GCN-SVHTTDL"
    assert issuers.serial_scope(issuers.DEFAULT_SERIAL_PATTERN, 2026, "SVHTTDL") == "{number}/2026/GCN-SVHTTDL"
    assert issuers.serial_scope("{number:04d}-{year}", 2026, "X") == "{number}-2026"


# --- the admin page ------------------------------------------------------------------------------


def form(**overrides) -> dict:
    return {"valid_from": "2026-01-01", "unit_id": "0", **SO_VHTTDL, **overrides}


def test_the_admin_sets_the_issuer_in_the_app(login, admin, units):
    client = login(admin)
    page = client.get("/units/issuers")
    assert page.status_code == 200
    assert "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH" in page.get_data(as_text=True)  # the default, prefilled
    response = client.post("/units/issuers", data=form())
    assert response.status_code == 302
    setting = db.session.scalar(select(IssuerSetting))
    assert setting.body_lines == "UBND TỈNH BẮC NINH\nSỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"
    assert setting.signer_title == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" and setting.created_by_id == admin.id
    html = client.get("/units/issuers").get_data(as_text=True)
    assert "15/2026/GCN-SVHTTDL" in html and "01/01/2026" in html


def test_a_refused_setting_keeps_what_was_typed(login, admin, units):
    client = login(admin)
    response = client.post(
        "/units/issuers", data=form(signer_title="TL. Giám đốc", signer_title_2="", place="Thành phố Bắc Ninh")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "cần dòng thứ hai" in html
    assert 'value="Thành phố Bắc Ninh"' in html
    assert db.session.scalar(select(IssuerSetting)) is None


def test_only_the_admin_sets_issuers(login, trainer_a, units):
    client = login(trainer_a)
    assert client.get("/units/issuers").status_code == 403
    assert client.post("/units/issuers", data=form()).status_code == 403
    assert db.session.scalar(select(IssuerSetting)) is None
