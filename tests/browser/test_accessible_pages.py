"""Every page of the permission matrix, for each role that may open it, checked with axe-core
for WCAG 2.0/2.1 A and AA violations in a real Chromium.

The pages are the matrix's: every GET route whose expected status for the role is 200 and
whose answer is HTML, with the matrix's arguments (the district-A world). Chromium asks the
role's Flask test client for each request (Playwright routes them), so the page is exactly the
one that role is served, stylesheet and scripts included, with no server to start.
"""

from urllib.parse import urlsplit

import pytest

from tests.browser.axe import axe_violations
from tests.security.conftest import frozen_clock, world  # noqa: F401  (the matrix's district-A world)
from tests.security.test_permission_matrix import ARGUMENTS, EXPECTED, OVERRIDES, _path

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ORIGIN = "http://taphuan.test"
#: the matrix's roles whose pages are walked: a visitor, a trainee, a trainer, the admin
ROLES = ("anon", "trainee", "A", "admin")


def _serve_through(client):
    """A Playwright route handler that answers every request from `client`."""

    def handle(route, request):
        parts = urlsplit(request.url)
        answer = client.open(
            parts.path + (f"?{parts.query}" if parts.query else ""),
            method=request.method,
            data=request.post_data_buffer,
            content_type=request.headers.get("content-type"),
        )
        route.fulfill(status=answer.status_code, headers={k: v for k, v in answer.headers.items()}, body=answer.data)
        answer.close()

    return handle


def _pages(app, district_world, role: str) -> list[str]:
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    paths = []
    for endpoint, methods in sorted(EXPECTED.items()):
        if methods.get("GET", {}).get(role) != 200 or endpoint == "static":
            continue
        values = {
            name: (OVERRIDES.get(endpoint, {}).get(name) or ARGUMENTS[name])(district_world)
            for name in rules[endpoint].arguments
        }
        paths.append(_path(app, endpoint, values))
    return paths


def test_every_page_a_role_may_open_has_no_wcag_a_or_aa_violation(app, world, browser):
    problems, walked = [], 0
    for role in ROLES:
        client = app.test_client() if role == "anon" else app.test_client(user=world.users[role])
        context = browser.new_context(base_url=ORIGIN, locale="vi-VN")
        context.route(f"{ORIGIN}/**", _serve_through(client))
        page = context.new_page()
        for path in _pages(app, world, role):
            head = client.get(path)
            html = head.mimetype == "text/html"
            head.close()
            if not html:  # PDF, XLSX, JSON, calendars: not pages
                continue
            page.goto(path)
            walked += 1
            problems += [f"[{role}] {line}" for line in axe_violations(page)]
        context.close()
    assert walked > 40, walked  # the walk reached the app's pages, not a handful
    assert not problems, "\n".join(problems)
