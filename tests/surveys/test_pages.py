"""The survey's lines on the other domains' pages: the projector of the course's last session,
and the trainer's survey page and its open/close buttons."""

import base64
import re

from tests.surveys.conftest import texts
from training.attendance import qr
from training.courses import services as courses
from training.extensions import db
from training.surveys import services


def _survey_image(html: str) -> str | None:
    match = re.search(r'<aside class="survey-projector"[^>]*>.*?src="data:image/svg\+xml;base64,([^"]+)"', html, re.S)
    return base64.b64decode(match[1]).decode() if match else None


def test_the_last_sessions_projector_shows_the_survey_qr(app, surveyed, login, trainer_a):
    client = login(trainer_a)
    last, first = surveyed.finished.sessions[-1], surveyed.finished.sessions[0]
    html = client.get(f"/sessions/{last.id}/projector").get_data(as_text=True)
    url = f"http://taphuan.test/survey/{surveyed.token}"
    assert _survey_image(html) == qr.qr_svg(url)
    assert "hidden" not in re.search(r'<aside class="survey-projector"[^>]*>', html)[0]
    assert _survey_image(client.get(f"/sessions/{first.id}/projector").get_data(as_text=True)) is None


def test_before_it_opens_the_projector_keeps_the_survey_qr_hidden(surveyed, login, trainer_a, clock):
    clock.set_local(clock.utc.replace(month=2, day=25))
    html = login(trainer_a).get(f"/sessions/{surveyed.finished.sessions[-1].id}/projector").get_data(as_text=True)
    assert " hidden" in re.search(r'<aside class="survey-projector"[^>]*>', html)[0]


def test_the_trainer_opens_and_closes_the_survey(surveyed, login, trainer_a, clock):
    client = login(trainer_a)
    course = surveyed.course
    assert "Đóng phiếu" in texts(client.get(f"/courses/{course.id}/survey"))
    client.post(f"/courses/{course.id}/survey/close")
    assert services.state(course, services.survey_of(course)) == "closed"
    assert "Phiếu đã đóng." in texts(client.get(f"/courses/{course.id}/survey"))
    # a closed course's survey still opens (courses are often closed right after the last day)
    courses.change_status(course, "closed")
    db.session.commit()
    assert client.post(f"/courses/{course.id}/survey/open").status_code == 302
    assert services.state(course, services.survey_of(course)) == "open"
    assert "Phiếu đang mở" in texts(client.get(f"/courses/{course.id}/survey"))
