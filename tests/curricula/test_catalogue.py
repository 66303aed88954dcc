"""The four programmes as data: the shipped files, every validation error, and the pages."""

import re
import shutil
from pathlib import Path

import pytest

from training import PROJECT_ROOT, create_app
from training.curricula.catalogue import CurriculumError, load_catalogue, parse_curriculum
from training.people.models import GROUPS

SHIPPED = PROJECT_ROOT / "curricula"
CT1 = (SHIPPED / "ct1.toml").read_text(encoding="utf-8")

# Letter 1371/STTTT-TTBCXB §1.1: the common content, then each group's topics (CURRICULA.md).
COMMON = "Nội dung chung về công tác quản lý Chương trình MTQG về giảm nghèo về thông tin"
SEED_TOPICS = {
    "commune_broadcast": [
        COMMON,
        "Một số vấn đề cơ bản về công tác thông tin cơ sở",
        "Những vấn đề cơ bản về thông tin tuyên truyền của cán bộ thuộc cơ quan Đảng và các tổ chức chính trị - xã hội",
        "Kỹ năng sản xuất chương trình cho Đài Truyền thanh cấp xã",
        "Kỹ năng thiết kế và xây dựng bản tin thông tin cơ sở",
        "Kỹ năng giải quyết xung đột và xử lý khủng hoảng truyền thông ở cơ sở",
        "Kỹ năng tổ chức buổi tuyên truyền cổ động và tuyên truyền ở cơ sở",
    ],
    "party_mass_org": [
        COMMON,
        "Những vấn đề cơ bản về thông tin, tuyên truyền của cán bộ thuộc cơ quan khối Đảng và các tổ chức chính trị "
        "- xã hội",
        "Kỹ năng lập kế hoạch thông tin, tuyên truyền",
        "Kỹ năng tổ chức công tác thông tin, tuyên truyền",
        "Kỹ năng tổ chức, điều hành quá trình thông tin, tuyên truyền",
        "Kỹ năng kiểm tra, đánh giá kết quả thông tin, tuyên truyền",
    ],
}


# --- the shipped files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(SHIPPED)


def test_four_programmes_load(catalogue):
    assert [c.code for c in catalogue.all_current()] == ["CT1", "CT2", "CT3", "CT4"]


def test_both_groups_are_covered(catalogue):
    assert {g for c in catalogue.all_current() for g in c.groups} == set(GROUPS)


@pytest.mark.parametrize("group", GROUPS)
def test_every_seed_topic_once_per_group(catalogue, group):
    titles = [m.title for c in catalogue.all_current() if group in c.groups for m in c.modules]
    assert sorted(titles) == sorted(SEED_TOPICS[group])


def test_periods_follow_the_provisional_rule(catalogue):
    for curriculum in catalogue.all_current():
        for module in curriculum.modules:
            if curriculum.kind == "knowledge":
                assert (module.theory_periods, module.practice_periods) == (4, 0), module.code
            else:
                assert (module.theory_periods, module.practice_periods) == (4, 4), module.code


def test_completion_rules(catalogue):
    for curriculum in catalogue.all_current():
        rule = curriculum.completion
        assert rule.min_attendance == 0.8
        if curriculum.kind == "skills":
            assert rule.assessment_required and rule.pass_mark == 5
        else:
            assert not rule.assessment_required


def test_what_a_trainee_falls_short_of_decides_completion(catalogue):
    """One rule for the eligibility page's reasons and the reports' completions."""
    skills = next(c for c in catalogue.all_current() if c.completion.assessment_required)
    other = next(c for c in catalogue.all_current() if not c.completion.assessment_required)
    cases = {
        (skills, 0.8, 5.0): [],
        (skills, 0.79, 5.0): ["attendance"],
        (skills, 0.8, None): ["no_score"],
        (skills, 0.8, 4.9): ["low_score"],
        (skills, 0.5, 2.0): ["attendance", "low_score"],
        (other, 0.8, None): [],
        (other, 0.7999999999, None): [],
        (other, 0.79, 9.0): ["attendance"],
    }
    for (curriculum, share, score), shortfalls in cases.items():
        assert curriculum.shortfalls(share, score) == shortfalls, (curriculum.code, share, score)
        assert curriculum.is_completed(share, score) is (not shortfalls)


def test_every_programme_is_provisional_and_names_its_source(catalogue):
    for curriculum in catalogue.all_current():
        assert curriculum.status == "provisional"
        assert "1371/STTTT-TTBCXB" in curriculum.source and "1288" in curriculum.source
        assert curriculum.title in curriculum.certificate_wording


def test_totals(catalogue):
    ct2 = catalogue.current("CT2")
    assert (ct2.periods, ct2.theory_periods, ct2.practice_periods, ct2.hours) == (32, 16, 16, 24.0)
    ct1 = catalogue.current("CT1")
    assert (ct1.periods, ct1.hours) == (12, 9.0)
    assert ct2.module("CT2.3").periods == 8 and ct2.module("nope") is None


def test_a_module_is_found_by_programme_version_and_code(catalogue):
    ct1 = catalogue.current("CT1")
    first = ct1.modules[0]
    assert catalogue.module("CT1", ct1.version, first.code) is first
    assert catalogue.module("CT1", ct1.version, "CT1.99") is None
    assert catalogue.module("CT1", "0.0-none", first.code) is None
    assert catalogue.module("CT9", ct1.version, first.code) is None


def test_versions(tmp_path):
    shutil.copy(SHIPPED / "ct1.toml", tmp_path / "ct1.toml")
    newer = CT1.replace('version = "2023.1"', 'version = "2023.10"').replace(
        "Kiến thức cơ bản về công tác thông tin cơ sở", "Bản mới", 1
    )
    (tmp_path / "ct1-new.toml").write_text(newer, encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    assert catalogue.current("CT1").version == "2023.10"  # numeric, not text, order
    assert catalogue.get("CT1", "2023.1").title == "Kiến thức cơ bản về công tác thông tin cơ sở"
    assert catalogue.get("CT1", "1999") is None


def test_the_programmes_of_decision_1288_belong_to_2021_2025(catalogue):
    for curriculum in catalogue.all_current():
        assert curriculum.period == (2021, 2025)
        assert curriculum.applies_in(2024) and not curriculum.applies_in(2026)


def test_a_2026_2030_version_is_a_new_file(tmp_path):
    shutil.copy(SHIPPED / "ct1.toml", tmp_path / "ct1.toml")
    newer = set_first("period", "[2026, 2030]", set_first("version", '"2026.1"'))
    (tmp_path / "ct1-2026.toml").write_text(newer, encoding="utf-8")
    catalogue = load_catalogue(tmp_path)
    assert catalogue.current("CT1").period == (2026, 2030) and catalogue.current("CT1").applies_in(2026)
    assert catalogue.get("CT1", "2023.1").period == (2021, 2025)
    # a file without a period applies to any year
    assert parse_curriculum(write(tmp_path, remove_line("period"), "ct9.toml")).applies_in(2040)


@pytest.mark.parametrize(
    "value", ["2021", "[2025, 2021]", "[2021]", '["2021", "2025"]', "[1990, 2025]", "[2021, true]"]
)
def test_bad_period(tmp_path, value):
    assert_refused(tmp_path, set_first("period", value), "period", "[năm đầu, năm cuối]")


# --- validation: one test per error; the message names the file and the field ---------------


def write(tmp_path: Path, text: str, name: str = "ct1.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def remove_line(key: str, text: str = CT1) -> str:
    """CT1 without the first `key = …` line (top-level keys come before the modules)."""
    result, count = re.subn(rf"^{re.escape(key)} = .*\n", "", text, count=1, flags=re.M)
    assert count == 1
    return result


def set_first(key: str, value: str, text: str = CT1) -> str:
    result, count = re.subn(rf"^{re.escape(key)} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
    assert count == 1
    return result


def assert_refused(tmp_path, text: str, field: str, message: str = ""):
    path = write(tmp_path, text)
    with pytest.raises(CurriculumError) as error:
        parse_curriculum(path)
    assert error.value.field == field
    assert str(error.value).startswith(f"ct1.toml: {field}: ")
    assert message in str(error.value)
    # load_catalogue, what create_app calls, stops on the same error
    with pytest.raises(CurriculumError, match=re.escape(f"ct1.toml: {field}")):
        load_catalogue(tmp_path)


def test_a_copy_of_ct1_is_valid(tmp_path):
    assert parse_curriculum(write(tmp_path, CT1)).code == "CT1"


def test_toml_syntax_error(tmp_path):
    assert_refused(tmp_path, CT1 + "\nthis is not toml\n", "(cú pháp TOML)")


def test_not_utf8(tmp_path):
    path = tmp_path / "ct1.toml"
    path.write_bytes(CT1.encode("utf-16"))
    with pytest.raises(CurriculumError, match=r"ct1\.toml: \(mã hóa\)"):
        parse_curriculum(path)


def test_unknown_top_level_key(tmp_path):
    assert_refused(tmp_path, 'colour = "red"\n' + CT1, "colour", "trường không được hỗ trợ")


@pytest.mark.parametrize("key", ["code", "title", "version", "source"])
def test_missing_required_text(tmp_path, key):
    assert_refused(tmp_path, remove_line(key), key, "bắt buộc")


def test_empty_title(tmp_path):
    assert_refused(tmp_path, set_first("title", '"  "'), "title", "không rỗng")


def test_code_with_odd_characters(tmp_path):
    assert_refused(tmp_path, set_first("code", '"CT 1/2"'), "code", "chỉ gồm chữ và số")


def test_bad_status(tmp_path):
    assert_refused(tmp_path, set_first("status", '"draft"'), "status", "provisional, official")


def test_bad_kind(tmp_path):
    assert_refused(tmp_path, set_first("kind", '"lecture"'), "kind", "knowledge, skills")


def test_empty_groups(tmp_path):
    assert_refused(tmp_path, set_first("groups", "[]"), "groups", "không rỗng")


def test_missing_groups(tmp_path):
    assert_refused(tmp_path, remove_line("groups"), "groups")


def test_unknown_group(tmp_path):
    assert_refused(tmp_path, set_first("groups", '["commune_broadcast", "farmers"]'), "groups[1]", "nhóm không hợp lệ")


def test_no_modules(tmp_path):
    assert_refused(tmp_path, CT1.split("[[modules]]")[0], "modules", "ít nhất một chuyên đề")


def test_module_with_unknown_key(tmp_path):
    text = CT1.replace('code = "CT1.2"', 'code = "CT1.2"\nhours = 3', 1)
    assert_refused(tmp_path, text, "modules[1].hours", "trường không được hỗ trợ")


def test_module_without_title(tmp_path):
    text = re.sub(r'(code = "CT1.1"\n)title = .*\n', r"\1", CT1, count=1)
    assert_refused(tmp_path, text, "modules[0].title", "bắt buộc")


@pytest.mark.parametrize("value", ["-1", "2.5", '"4"', "true"])
def test_bad_periods(tmp_path, value):
    assert_refused(tmp_path, set_first("theory_periods", value), "modules[0].theory_periods", "số nguyên không âm")


def test_bad_practice_periods(tmp_path):
    assert_refused(tmp_path, set_first("practice_periods", "-4"), "modules[0].practice_periods", "số nguyên không âm")


def test_zero_periods(tmp_path):
    assert_refused(tmp_path, set_first("theory_periods", "0"), "modules[0].theory_periods", "ít nhất một tiết")


def test_duplicate_module_code(tmp_path):
    assert_refused(tmp_path, CT1.replace('code = "CT1.2"', 'code = "CT1.1"', 1), "modules[1].code", "CT1.1 bị trùng")


@pytest.mark.parametrize("value", ["1.5", "-0.1", '"80%"', "true"])
def test_min_attendance_out_of_range(tmp_path, value):
    assert_refused(tmp_path, set_first("min_attendance", value), "completion.min_attendance", "0–1")


@pytest.mark.parametrize("value", ["11", "-1", '"5"'])
def test_pass_mark_out_of_range(tmp_path, value):
    assert_refused(tmp_path, set_first("pass_mark", value), "completion.pass_mark", "0–10")


@pytest.mark.parametrize("key", ["excused_counts", "assessment_required"])
def test_non_bool_flag(tmp_path, key):
    assert_refused(tmp_path, set_first(key, '"no"'), f"completion.{key}", "true hoặc false")


def test_unknown_completion_key(tmp_path):
    text = CT1.replace("[completion]\n", "[completion]\nmin_hours = 3\n", 1)
    assert_refused(tmp_path, text, "completion.min_hours")


def test_missing_certificate_wording(tmp_path):
    assert_refused(tmp_path, remove_line("wording"), "certificate.wording", "bắt buộc")


def test_missing_certificate_table(tmp_path):
    text = re.sub(r"\[certificate\]\nwording = .*\n", "", CT1, count=1)
    assert_refused(tmp_path, text, "certificate.wording")


def test_duplicate_code_and_version_across_files(tmp_path):
    write(tmp_path, CT1, "a-ct1.toml")
    write(tmp_path, CT1, "b-ct1-copy.toml")
    with pytest.raises(CurriculumError) as error:
        load_catalogue(tmp_path)
    assert error.value.field == "version"
    assert str(error.value).startswith("b-ct1-copy.toml: version: ")
    assert "CT1 2023.1" in str(error.value) and "a-ct1.toml" in str(error.value)


def test_empty_directory(tmp_path):
    (tmp_path / "README.txt").write_text("not a programme", encoding="utf-8")
    with pytest.raises(CurriculumError) as error:
        load_catalogue(tmp_path)
    assert error.value.field == "(thư mục)"
    assert str(error.value).startswith(f"{tmp_path.name}: (thư mục): ")


def test_create_app_stops_on_a_bad_folder(tmp_path):
    write(tmp_path, set_first("status", '"draft"'))
    with pytest.raises(CurriculumError, match=r"ct1\.toml: status"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x" * 40,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "CURRICULA_DIR": str(tmp_path),
            }
        )


def test_create_app_stops_on_an_empty_folder(tmp_path):
    with pytest.raises(CurriculumError, match="không có tệp chương trình"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x" * 40,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "CURRICULA_DIR": str(tmp_path),
            }
        )


# --- pages ------------------------------------------------------------------------------------


def test_index_lists_the_four_programmes_with_both_groups(login, trainer_a):
    response = login(trainer_a).get("/curricula/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for code in ("CT1", "CT2", "CT3", "CT4"):
        assert f'<a href="/curricula/{code}">{code}</a>' in html
    assert "Văn hóa - xã hội / đài truyền thanh xã" in html
    assert "Khối Đảng, đoàn thể xã" in html
    assert "Kỹ năng nghiệp vụ thông tin, tuyên truyền" in html


def test_detail_page(login, trainer_a):
    response = login(trainer_a).get("/curricula/CT2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "CT2. Kỹ năng nghiệp vụ thông tin cơ sở và đài truyền thanh cấp xã" in html
    for code, title in (
        ("CT2.1", "Kỹ năng sản xuất chương trình cho Đài Truyền thanh cấp xã"),
        ("CT2.4", "Kỹ năng tổ chức buổi tuyên truyền cổ động và tuyên truyền ở cơ sở"),
    ):
        assert f"<td>{code}</td><td>{title}</td>" in html
    assert "32 tiết (16 lý thuyết, 16 thực hành) = 24 giờ" in html
    assert "Tham dự ít nhất 80% số tiết" in html
    assert "(vắng có phép không được tính)" in html
    assert "Bài kiểm tra/thu hoạch đạt từ 5/10 điểm." in html
    assert "Nội dung tạm thời" in html  # status
    assert "Công văn 1371/STTTT-TTBCXB" in html  # source
    assert "Công chức văn hóa - xã hội cấp xã, phụ trách đài truyền thanh cấp xã" in html  # target group, in full
    assert "2023.1" in html


def test_knowledge_programme_needs_no_test(login, trainer_a):
    html = login(trainer_a).get("/curricula/CT3").get_data(as_text=True)
    assert "Không yêu cầu bài kiểm tra." in html
    assert "8 tiết (8 lý thuyết, 0 thực hành) = 6 giờ" in html


def test_detail_of_a_version(login, trainer_a):
    client = login(trainer_a)
    assert client.get("/curricula/CT1?version=2023.1").status_code == 200
    assert client.get("/curricula/CT1?version=1999").status_code == 404


def test_unknown_code_is_404(login, trainer_a):
    assert login(trainer_a).get("/curricula/CT9").status_code == 404
