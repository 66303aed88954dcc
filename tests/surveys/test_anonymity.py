"""Anonymity: nothing the trainer or the admin can open about a survey — its pages, its files,
its API — names who answered or carries their ids; only counts and answers."""

import io
import re
import zipfile

from sqlalchemy import select

from tests.certificates.conftest import pdf_text
from tests.surveys.conftest import answers
from tests.surveys.test_results import FORMS
from training.extensions import db
from training.surveys import summaries
from training.surveys.models import Answer, Respondent, Response

SECRET_TEXT = "Một góp ý rất riêng tư"


def _markers(trainee) -> list[str]:
    return [
        trainee.full_name,
        trainee.personal_code,
        trainee.phone,
        f"trainee_id={trainee.id}",
        f'"trainee": {trainee.id}',
        f'"trainee_id": {trainee.id}',
        f'<option value="{trainee.id}">',
    ]


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return " ".join(book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml"))


def test_no_survey_page_export_or_api_names_who_answered(surveyed, phone, login, trainer_a, admin):
    answerer = surveyed.trainees[0]
    forms = [dict(FORMS[0], **{"q-de_xuat": SECRET_TEXT})] + FORMS[1:5]
    for trainee, form in zip(surveyed.trainees, forms):
        assert phone(trainee).post(surveyed.path, data=answers(form)).status_code == 303
    course_id = surveyed.course.id
    period = "?from=01/01/2026&to=31/12/2026"
    documents = {
        "course page": f"/courses/{course_id}/survey",
        "paper entry": f"/courses/{course_id}/survey/paper",
        "results XLSX": f"/courses/{course_id}/survey/results.xlsx",
        "results PDF": f"/courses/{course_id}/survey/results.pdf",
        "paper PDF": f"/courses/{course_id}/survey/paper.pdf",
        "JSON": f"/api/v1/courses/{course_id}/survey",
        **{f"summary by {by}": f"/surveys{period}&by={by}" for by in summaries.GROUPINGS},
        **{f"summary XLSX by {by}": f"/surveys.xlsx{period}&by={by}" for by in summaries.GROUPINGS},
        **{f"summary PDF by {by}": f"/surveys.pdf{period}&by={by}" for by in summaries.GROUPINGS},
    }
    seen_answer = False
    for user in (trainer_a, admin):
        client = login(user)
        for what, path in documents.items():
            response = client.get(path)
            assert response.status_code == 200, what
            if response.mimetype == "application/pdf":
                body = pdf_text(response.data)
            elif "spreadsheet" in response.mimetype:
                body = _xlsx_text(response.data)
            else:
                body = response.get_data(as_text=True)
            body = re.sub(r"\s+", " ", body)
            for marker in _markers(answerer):
                assert marker not in body, f"{what} shows {marker!r} as {user.username}"
            seen_answer = seen_answer or SECRET_TEXT in body
    assert seen_answer, "the short answer itself is in the results"
    # The one page that lists names (who may still hand in a paper form) lists only those who
    # have not answered; so it names the sixth trainee and no one else.
    paper = login(trainer_a).get(f"/courses/{course_id}/survey/paper").get_data(as_text=True)
    assert surveyed.trainees[5].full_name in paper
    assert not any(t.full_name in paper for t in surveyed.trainees[:5])


def test_the_answers_table_cannot_be_joined_to_the_respondents(surveyed, phone):
    for trainee, form in zip(surveyed.trainees, FORMS[:3]):
        phone(trainee).post(surveyed.path, data=answers(form))
    # random response ids, no times and no sequence on the answers: no order to match up
    assert all(not c.name.endswith("_at") for c in Response.__table__.c)
    assert [c.name for c in Answer.__table__.primary_key.columns] == ["response_id", "question_key", "position"]
    assert {c.name for c in Respondent.__table__.c} == {"id", "survey_id", "trainee_id", "source"}
    ids = [r.id for r in db.session.scalars(select(Response))]
    assert all(len(i) >= 20 and not i.isdigit() for i in ids)
