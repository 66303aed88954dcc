"""A trainee's own pages: the next session and the badge on /me, a closed course never
"upcoming", and a course not yet begun never "Đang học"."""

import re
import subprocess
from datetime import timedelta

from tests.certificates.conftest import _tool, start_course
from training.clock import local_today
from training.courses import services as courses
from training.extensions import db


def html(response) -> str:
    return response.get_data(as_text=True)


def test_me_shows_the_next_session_and_the_badge_qr(units, trainer_a, make_trainee, trainee_user, login, tmp_path):
    lan = make_trainee("Hoàng Thị Lan")
    start = local_today() + timedelta(days=7)
    running = start_course(units, trainer_a, [lan], "CT1", first_day=start)
    response = login(trainee_user(lan)).get("/me")
    assert response.headers["Cache-Control"] == "no-store"
    page = html(response)
    next_box = page[page.index('class="card next-session"') : page.index('class="card badge-card"')]
    first = running.sessions[0]
    assert start.strftime("%d/%m/%Y") in next_box and "07:30" in next_box and first.module_code in next_box
    # the QR drawn on the page reads back as the personal code, as a scanner would read it
    svg = re.search(r'<div class="badge-qr">(<svg.*?</svg>)</div>', page, re.S).group(1)
    _paint(svg, tmp_path / "badge.png")
    read = subprocess.run(
        [_tool("zbarimg"), "--quiet", "--raw", str(tmp_path / "badge.png")], capture_output=True, text=True
    )
    assert read.stdout.strip() == lan.personal_code


def test_a_closed_course_is_not_upcoming_and_a_course_not_begun_is_not_running(
    units, trainer_a, make_trainee, trainee_user, login, admin
):
    lan = make_trainee("Hoàng Thị Lan")
    later = start_course(units, trainer_a, [lan], "CT1", first_day=local_today() + timedelta(days=10))
    # closed early, before its last sessions were held
    courses.change_status(later.course, "closed")
    db.session.commit()
    page = html(login(trainee_user(lan)).get("/me/schedule"))
    upcoming = page[page.index("Sắp tới") : page.index("Đã học")]
    assert later.course.code not in upcoming and "Chưa có buổi học nào sắp tới." in upcoming
    assert later.course.code in page[page.index("Đã học") :]

    soon = start_course(units, trainer_a, [lan], "CT2", first_day=local_today() + timedelta(days=30), venue="Phòng 2")
    record = html(login(admin).get(f"/trainees/{lan.id}/record"))
    row = next(r for r in re.findall(r"<tr>.*?</tr>", record, re.S) if soon.course.code in r)
    assert "Chưa bắt đầu" in row and "Đang học" not in row


def _paint(svg: str, path, scale: int = 8) -> None:
    """Draw the page's QR (one path of runs "M x,y H x2 V y+1 H x z") as a PNG, as a phone's
    screen shows it to the scanner."""
    from PIL import Image, ImageDraw

    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, x2 in re.findall(r"M(\d+),(\d+)H(\d+)", svg):
        x, y, x2 = int(x), int(y), int(x2)
        draw.rectangle([x * scale, y * scale, x2 * scale - 1, (y + 1) * scale - 1], fill=0)
    image.save(path)
