"""Used by keyboard alone, and by a thumb on a 390-px phone, on the demo data in Chromium.

The roster's cards and the check-in's phone pages have their own tests beside the hall's
(tests/browser/test_checkin_hall.py); here: signing in, the area filter, the badge scanner's
field and the course page's session actions.
"""

import pytest
from sqlalchemy import select

from training.auth.permissions import may_act_on_course
from training.courses.models import Course
from training.extensions import db
from training.people.models import User

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def _own_course_id(server, username: str, statuses=("open", "running")) -> int:
    """A course with sessions that the demo user may act on, in one of `statuses`."""
    with server.app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        courses = db.session.scalars(
            select(Course).where(Course.sessions.any(), Course.status.in_(statuses)).order_by(Course.id)
        )
        return next(c.id for c in courses if may_act_on_course(user, c))


def test_signing_in_by_keyboard_alone(page):
    page.goto("/login")
    assert page.evaluate("document.activeElement.id") == "username"  # the first field has the focus
    page.keyboard.type("trainer")
    page.keyboard.press("Tab")
    page.keyboard.type("taphuan-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: not url.endswith("/login"))
    assert page.get_by_role("button", name="Đăng xuất").is_visible()


def test_the_first_tab_reaches_the_skip_link_and_it_moves_to_the_content(page, sign_in):
    sign_in(page, "trainer")
    page.goto("/courses")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Bỏ qua đến nội dung"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_arrow_down_on_the_area_filter_does_not_reload_the_page(page, sign_in):
    sign_in(page, "admin")
    page.goto("/trainees")
    page.evaluate("window.stillHere = true")
    select = page.locator("select[name=unit]")
    select.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(800)
    assert page.evaluate("window.stillHere === true")  # the same document: no navigation happened
    assert select.input_value() != ""  # the choice moved, waiting for the button
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/trainees?*unit=*")


def test_the_badge_scanner_field_has_the_focus_and_takes_enter(page, sign_in, server):
    sign_in(page, "trainer")
    course_id = _own_course_id(server, "trainer")
    page.goto(f"/courses/{course_id}")
    page.get_by_role("link", name="Quét thẻ").first.click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "code"
    page.keyboard.type("KHONGCOMA")
    page.keyboard.press("Enter")
    # the scan is answered or queued, and the field is ready for the next badge
    page.locator("#history li").first.wait_for()
    assert page.evaluate("document.activeElement.id") == "code"
    assert page.locator("#code").input_value() == ""


def test_the_session_actions_are_thumb_sized_on_a_phone(new_page, sign_in, server):
    page = new_page(**PHONE)
    sign_in(page, "trainer")
    page.goto(f"/courses/{_own_course_id(server, 'trainer')}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    targets = page.locator(".sessions .row-actions a, .sessions .row-actions summary")
    assert targets.count() >= 3
    for index in range(targets.count()):
        target = targets.nth(index)
        if not target.is_visible():
            continue
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (target.inner_text(), box)
        assert box["x"] + box["width"] <= 390, (target.inner_text(), box)
