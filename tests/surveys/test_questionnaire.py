"""Questionnaire files: the shipped ones load, per-module questions come from the programme,
and a mistake names the file and the field (and stops the app)."""

import shutil
from pathlib import Path

import pytest

from training import create_app
from training.curricula.catalogue import CurriculumError, load_catalogue
from training.surveys.questionnaire import QuestionnaireError, load_questionnaires, parse_questionnaire

ROOT = Path(__file__).resolve().parents[2]
GOOD = """code = "PDG"
version = "1"
default = true
title = "Phiếu"
module_question = "Chuyên đề {module} có hữu ích không?"

[[questions]]
key = "hai_long"
kind = "scale"
text = "Hài lòng"
"""


def _catalogue():
    return load_catalogue(ROOT / "curricula")


def test_the_shipped_questionnaires_load_and_each_programme_has_one():
    questionnaires = load_questionnaires(ROOT / "questionnaires", _catalogue(), ROOT / "curricula")
    assert questionnaires.default.code == "PDG"
    assert questionnaires.for_programme("CT1").code == "PDG"
    assert questionnaires.for_programme("CT2").code == "PDG-KN"
    ct1 = _catalogue().current("CT1")
    questions = questionnaires.for_programme("CT1").for_curriculum(ct1)
    generated = [q for q in questions if q.module_code]
    assert [q.module_code for q in generated] == [m.code for m in ct1.modules]
    assert generated[0].text.startswith("Chuyên đề “CT1.1. Nội dung chung") and generated[0].kind == "scale"
    assert {q.kind for q in questions} == {"scale", "choice", "multi", "text"}
    assert questions[0].options[0] == "Rất không hài lòng" and len(questions[0].options) == 5


@pytest.mark.parametrize(
    "change, field",
    [
        (('kind = "scale"', 'kind = "stars"'), "questions[0].kind"),
        (('key = "hai_long"', 'key = "Hài lòng"'), "questions[0].key"),
        (('text = "Hài lòng"', 'text = "Hài lòng"\nlabels = ["a", "b"]'), "questions[0].labels"),
        (('kind = "scale"', 'kind = "choice"'), "questions[0].options"),
        (('kind = "scale"', 'kind = "scale"\ncolour = "red"'), "questions[0].colour"),
        (
            (
                'module_question = "Chuyên đề {module} có hữu ích không?"',
                'module_question = "Chuyên đề có hữu ích không?"',
            ),
            "module_question",
        ),
        (('version = "1"\n', ""), "version"),
        (('title = "Phiếu"', 'title = "Phiếu'), "(cú pháp TOML)"),
    ],
)
def test_a_mistake_names_the_file_and_the_field(tmp_path, change, field):
    path = tmp_path / "phieu-loi.toml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as raised:
        parse_questionnaire(path)
    assert str(raised.value).startswith(f"phieu-loi.toml: {field}: ")
    assert raised.value.field == field


def test_a_duplicate_key_and_two_defaults_are_refused(tmp_path):
    (tmp_path / "a.toml").write_text(
        GOOD + '\n[[questions]]\nkey = "hai_long"\nkind = "text"\ntext = "Lại"\n', encoding="utf-8"
    )
    with pytest.raises(QuestionnaireError, match=r"^a.toml: questions\[1\].key: mã câu hỏi hai_long bị trùng"):
        load_questionnaires(tmp_path, _catalogue(), ROOT / "curricula")
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD.replace('code = "PDG"', 'code = "KHAC"'), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"^(a|b).toml: default: cần đúng một phiếu mặc định"):
        load_questionnaires(tmp_path, _catalogue(), ROOT / "curricula")


def test_a_programme_naming_an_unknown_questionnaire_names_its_file(tmp_path):
    curricula = tmp_path / "curricula"
    shutil.copytree(ROOT / "curricula", curricula)
    path = curricula / "ct4.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('questionnaire = "PDG-KN"', 'questionnaire = "KHONG-CO"'),
        encoding="utf-8",
    )
    with pytest.raises(CurriculumError, match=r"^ct4.toml: questionnaire: không có phiếu đánh giá mã KHONG-CO"):
        load_questionnaires(ROOT / "questionnaires", load_catalogue(curricula), curricula)


def test_a_bad_file_stops_the_app(tmp_path):
    (tmp_path / "hong.toml").write_text(GOOD.replace('kind = "scale"', 'kind = "stars"'), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"^hong.toml: questions\[0\].kind: phải là một trong"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x" * 40,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "QUESTIONNAIRES_DIR": str(tmp_path),
            }
        )
