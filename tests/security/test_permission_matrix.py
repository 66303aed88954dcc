"""The permission matrix: every endpoint of the URL map, for every role, against the objects of
district A, compared with the status written down here for it.

Roles: an anonymous visitor, the trainee who holds district A's certificate, a trainer of
district A, a trainer of district B, the province admin, and a trainer of an area (a cụm) of
district A whose communes are not those of the world's trainees ("C": in A's unit, outside its
communes, so A's trainees and courses are as closed to them as to B). URL arguments are filled by name
from the district-A world (tests/security/conftest.py). A route that is not in EXPECTED fails
`test_every_route_is_in_the_matrix`, so a new route cannot slip in without a decision on who
may use it.

POSTs carry an empty body (the scanner API a valid scan): for the allowed roles this proves the
route does not refuse them; for the others a 403 (401 on the API, the sign-in redirect for an
anonymous visitor) proves they were stopped before the view did anything. Where an empty POST
would act (erase a trainee, delete a session), each role gets a fresh object and the test
checks that it is gone exactly for the roles allowed to act.
"""

import itertools

import pytest

from tests.security.conftest import HOLDER_NAME, OTHER_NAME
from training.attendance import qr
from training.courses.models import CourseSession
from training.extensions import db
from training.people.conversion import assign_area
from training.people.models import Trainee
from training.surveys import services as surveys
from training.units.areas import save_area

ROLES = ("anon", "trainee", "A", "B", "admin", "C")


def profile(anon, trainee, a, b, admin, c=None) -> dict:
    """Expected statuses per role; a cụm trainer outside A's communes ("C") as B unless said."""
    return dict(zip(ROLES, (anon, trainee, a, b, admin, b if c is None else c)))


# Profiles. 302 for "anon" is the sign-in redirect (checked); other 302s are the view's own.
#: a page about district A's objects: their trainers and the admin
STAFF_PAGE = profile(302, 403, 200, 403, 200)
#: a page every trainer and the admin has, showing their own district (B's shows nothing of A)
STAFF_OWN = profile(302, 403, 200, 200, 200)
#: a form POST on district A's objects; the empty body changes nothing and redirects back
STAFF_POST = profile(302, 403, 302, 403, 302)
#: a form POST on district A's objects that re-renders its page when the body is empty
STAFF_POST_FORM = profile(302, 403, 200, 403, 200)
#: a form POST every trainer may make for their own district (empty: the form again)
STAFF_OWN_POST_FORM = profile(302, 403, 200, 200, 200)
ADMIN_PAGE = profile(302, 403, 403, 403, 200)
ADMIN_POST = profile(302, 403, 403, 403, 302)
#: the trainee's own pages
TRAINEE_PAGE = profile(302, 200, 403, 403, 403)
#: any signed-in user
SIGNED_IN = profile(302, 200, 200, 200, 200)
#: the scanner API: JSON 401 instead of the sign-in redirect
STAFF_API = profile(401, 403, 200, 403, 200)
#: the scanner API's clock: every trainer and the admin
STAFF_OWN_API = profile(401, 403, 200, 200, 200)


def everyone(status: int) -> dict:
    return profile(status, status, status, status, status, status)


#: endpoint → method → expected status per role. One entry per route of the URL map.
EXPECTED: dict[str, dict[str, dict]] = {
    # attendance: check-in (public), projector, scanner, roster, sheets
    "attendance.checkin": {
        "GET": everyone(200),  # the identification form of the open session
        "POST": everyone(400),
    },  # no signed ticket
    "attendance.forget_device": {"POST": everyone(200)},
    "attendance.checkin_result": {"GET": everyone(410)},  # a result page's ticket: this one is no ticket
    "attendance.session_history": {"GET": STAFF_PAGE},
    "attendance.trainee_history": {"GET": STAFF_PAGE},
    "attendance.api_spec": {"GET": everyone(200)},
    "attendance.api_checkin": {"POST": STAFF_API},
    "attendance.api_roster": {"GET": STAFF_API},
    "attendance.api_time": {"GET": STAFF_OWN_API},
    "attendance.short_code": {
        "GET": everyone(200),  # a phone that cannot scan types the projector's code
        "POST": everyone(400),
    },  # no code: the form again
    "attendance.scanner_worker": {"GET": everyone(200)},  # the scanner's service worker script
    "attendance.projector": {"GET": STAFF_PAGE},
    "attendance.projector_state": {"GET": STAFF_PAGE},
    "attendance.scan": {"GET": STAFF_PAGE},
    "attendance.scan_log": {"GET": STAFF_PAGE},
    "attendance.manual_roster": {"GET": STAFF_PAGE, "POST": STAFF_POST},
    "attendance.mark_absent": {"POST": STAFF_POST},
    "attendance.attendance_sheet": {"GET": STAFF_PAGE},
    "attendance.attendance_pdf": {"GET": STAFF_PAGE},
    "attendance.attendance_xlsx": {"GET": STAFF_PAGE},
    "attendance.signin_sheet_pdf": {"GET": STAFF_PAGE},
    "attendance.badges_pdf": {"GET": STAFF_PAGE},
    # auth
    "auth.login": {
        "GET": profile(200, 302, 302, 302, 302),  # signed in: off to the home page
        "POST": profile(200, 302, 302, 302, 302),
    },
    "auth.logout": {"POST": profile(302, 302, 302, 302, 302)},
    "auth.change_password": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    # certificates
    "certificates.results": {"GET": STAFF_PAGE, "POST": STAFF_POST},
    "certificates.course_certificates": {"GET": STAFF_PAGE},
    "certificates.issue": {"GET": STAFF_PAGE, "POST": STAFF_POST_FORM},
    "certificates.course_pdf": {"GET": STAFF_PAGE},
    "certificates.detail": {"GET": STAFF_PAGE},
    "certificates.download": {"GET": profile(302, 200, 200, 403, 200)},  # the holder downloads their own
    "certificates.mine": {"GET": TRAINEE_PAGE},
    "certificates.revoke": {"POST": STAFF_POST},
    "certificates.unrevoke": {"POST": STAFF_POST},
    "certificates.copy": {"POST": STAFF_POST},
    "certificates.verify": {"GET": everyone(200), "POST": everyone(200)},  # the form again, with its errors
    "certificates.verify_code": {"GET": everyone(200)},
    # courses
    "courses.index": {"GET": STAFF_OWN},
    "courses.calendar": {"GET": STAFF_OWN},
    "courses.create": {"GET": STAFF_OWN, "POST": STAFF_OWN_POST_FORM},
    "courses.detail": {"GET": STAFF_PAGE},
    "courses.edit": {"GET": STAFF_PAGE, "POST": STAFF_POST_FORM},
    "courses.change_status": {"POST": STAFF_POST},
    "courses.generate_sessions": {"POST": STAFF_POST},
    "courses.session_new": {"GET": STAFF_PAGE, "POST": STAFF_POST_FORM},
    "courses.session_edit": {"GET": STAFF_PAGE, "POST": STAFF_POST_FORM},
    "courses.session_split": {"POST": STAFF_POST},
    "courses.session_delete": {"POST": STAFF_POST},
    "courses.enrol": {"GET": STAFF_PAGE, "POST": STAFF_POST_FORM},
    "courses.enrol_filter": {"POST": STAFF_POST},
    "courses.enrol_import": {"POST": STAFF_POST_FORM},
    "courses.withdraw": {"POST": STAFF_POST},
    "courses.course_ics": {"GET": STAFF_PAGE},
    "courses.plan": {"GET": STAFF_PAGE},
    "courses.plan_pdf": {"GET": STAFF_PAGE},
    "courses.trainee_ics": {"GET": STAFF_PAGE},
    "courses.trainee_schedule": {"GET": STAFF_PAGE},
    "courses.my_ics": {"GET": TRAINEE_PAGE},
    "courses.my_schedule": {"GET": TRAINEE_PAGE},
    # programmes: the catalogue is the same for everyone signed in
    "curricula.index": {"GET": SIGNED_IN},
    "curricula.detail": {"GET": SIGNED_IN},
    # pages of no domain
    "main.home": {"GET": profile(302, 302, 200, 200, 200)},  # a trainee is sent to /me
    "main.healthz": {"GET": everyone(200)},
    "main.set_language": {"POST": everyone(302)},
    "static": {"GET": everyone(200)},
    # people (a trainee's own page lives with the courses, whose next session it shows)
    "courses.me": {"GET": TRAINEE_PAGE},
    "people.trainees": {"GET": STAFF_OWN},
    "people.trainee": {"GET": STAFF_PAGE},
    "people.trainee_new": {"GET": STAFF_OWN, "POST": STAFF_OWN_POST_FORM},
    # An empty POST has no form data at all, so Flask-WTF fills the form from the trainee and
    # saves it unchanged (with CSRF on, as in production, it is refused before that).
    "people.trainee_edit": {"GET": STAFF_PAGE, "POST": STAFF_POST},
    "people.trainee_import": {"GET": STAFF_OWN, "POST": STAFF_OWN_POST_FORM},
    "people.trainee_import_template": {"GET": STAFF_OWN},
    "people.users": {"GET": ADMIN_PAGE},
    "people.user_new": {"GET": ADMIN_PAGE, "POST": profile(302, 403, 403, 403, 200)},
    "people.user_reset_password": {"POST": ADMIN_POST},
    # units: the list, conversion, merge and rename, areas (empty POSTs: the page again, nothing done)
    "people.units_convert": {"GET": ADMIN_PAGE, "POST": ADMIN_PAGE},
    "people.unit_edit": {"GET": ADMIN_PAGE, "POST": ADMIN_PAGE},
    "people.units_areas": {"GET": ADMIN_PAGE, "POST": ADMIN_PAGE},
    "people.units_index": {"GET": STAFF_OWN},
    "people.user_edit": {"GET": ADMIN_PAGE, "POST": ADMIN_POST},  # empty: saved unchanged
    "people.user_set_active": {"POST": profile(302, 403, 403, 403, 400)},  # an empty POST says neither
    "people.trainee_account": {"POST": ADMIN_POST},
    # personal data
    "privacy.export": {"GET": STAFF_PAGE},
    "privacy.erase": {"GET": STAFF_PAGE, "POST": STAFF_POST},
    # reports
    "reports.area": {"GET": STAFF_OWN},
    "reports.province": {"GET": ADMIN_PAGE},
    "reports.trainee_record": {"GET": STAFF_PAGE},
    # units
    "units.issuer_settings": {"GET": ADMIN_PAGE, "POST": ADMIN_PAGE},
    # surveys: the phone's page is public (it identifies the trainee itself); the rest is staff
    "surveys.answer": {"GET": everyone(200), "POST": everyone(200)},  # identification form, or a notice
    "surveys.course": {"GET": STAFF_PAGE},
    "surveys.open_survey": {"POST": STAFF_POST},
    "surveys.close_survey": {"POST": STAFF_POST},
    "surveys.paper": {"GET": STAFF_PAGE, "POST": STAFF_POST_FORM},
    "surveys.paper_pdf": {"GET": STAFF_PAGE},
    "surveys.results_xlsx": {"GET": STAFF_PAGE},
    "surveys.results_pdf": {"GET": STAFF_PAGE},
    "surveys.results_json": {"GET": STAFF_API},
    "surveys.summary": {"GET": STAFF_OWN},
    "surveys.summary_xlsx": {"GET": STAFF_OWN},
    "surveys.summary_pdf": {"GET": STAFF_OWN},
}

#: where an anonymous visitor's 302 must lead; a signed-in trainee's home is /me
LOGIN = "/login"

# URL arguments by name, from the world.
ARGUMENTS = {
    "course_id": lambda w: w.running.course.id,
    "session_id": lambda w: w.running.current.id,
    "enrolment_id": lambda w: w.enrolment.id,
    "trainee_id": lambda w: w.holder.id,
    "certificate_id": lambda w: w.certificate.id,
    "user_id": lambda w: w.trainer_a.id,
    "code": lambda w: w.certificate.verify_code,
    "token": lambda w: qr.make_token(w.running.current.id),
    "filename": lambda w: "css/app.css",
    "ticket": lambda w: "not-a-result-ticket",
    "unit_id": lambda w: w.holder.commune_id,
}
#: arguments that mean something else for one endpoint
OVERRIDES = {
    "curricula.detail": {"code": lambda w: "CT1"},
    # the certificate pages of the closed course, which has one
    "certificates.course_certificates": {"course_id": lambda w: w.closed.course.id},
    "certificates.course_pdf": {"course_id": lambda w: w.closed.course.id},
    "certificates.issue": {"course_id": lambda w: w.closed.course.id},
    # an empty POST deactivates: a spare account, so the roles under test keep signing in
    "people.user_set_active": {"user_id": lambda w: _spare_account()},
    "surveys.answer": {"token": lambda w: surveys.link_token(w.running.course.id)},
}

_spares = itertools.count(1)


def _spare_account() -> int:
    from training.people import services as people

    user = people.create_user(f"spare.{next(_spares)}", "mat-khau-du-phong", "Tài khoản dự phòng", "admin")
    db.session.commit()
    return user.id


def _fresh_trainee(ctx) -> int:
    return ctx.make_trainee(f"Người Để Xóa {next(ctx.counter)}").id


def _fresh_session(ctx) -> int:
    return ctx.world.spare_session().id


#: (endpoint, method) whose empty POST acts: a fresh object per role, and whether it survives
FRESH = {
    ("privacy.erase", "POST"): ("trainee_id", _fresh_trainee, Trainee),
    ("courses.session_delete", "POST"): ("session_id", _fresh_session, CourseSession),
}


def _body(endpoint: str, world, role: str) -> dict:
    if endpoint == "attendance.api_checkin":
        # A real scan of `other`'s badge in the open session: the route works, not just parses.
        return {
            "json": {
                "session": world.running.current.id,
                "code": world.other.personal_code,
                "nonce": f"matrix-{role}-scan",
            }
        }
    return {"data": {}}


def _routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_matrix(app):
    routes = _routes(app)
    listed = {(endpoint, method) for endpoint, methods in EXPECTED.items() for method in methods}
    assert sorted(routes - listed) == [], "new routes: decide who may use them and add them to EXPECTED"
    assert sorted(listed - routes) == [], "EXPECTED lists routes the app no longer has"
    for endpoint, methods in EXPECTED.items():
        for method, expected in methods.items():
            assert set(expected) == set(ROLES), (endpoint, method)


class _Context:
    def __init__(self, world, make_trainee):
        self.world, self.make_trainee, self.counter = world, make_trainee, itertools.count(1)


def _path(app, endpoint: str, values: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    _domain, path = rule.build(values)
    return path


@pytest.fixture
def world_with_area(world, units, make_user):
    """The world, plus "C": a trainer given a cụm of district A's other communes."""
    area = save_area("Cụm Phồn Xương", "cluster", units["A"], [units["Thị trấn Phồn Xương"].id])
    trainer = make_user("trainer.cum", "trainer", "A")
    assign_area(trainer, area)
    db.session.commit()
    assert world.holder.commune_id != units["Thị trấn Phồn Xương"].id
    return world, trainer


def test_every_endpoint_for_every_role(app, world_with_area, make_trainee):
    world, area_trainer = world_with_area
    users = {**world.users, "C": area_trainer}
    ctx = _Context(world, make_trainee)
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    leaks = [HOLDER_NAME, OTHER_NAME, world.running.course.code, world.closed.course.code]
    mismatches = []
    for endpoint, method in sorted(_routes(app)):
        expected = EXPECTED[endpoint][method]
        rule = rules[endpoint]
        for role in ROLES:
            values = {}
            for name in rule.arguments:
                provider = OVERRIDES.get(endpoint, {}).get(name) or ARGUMENTS.get(name)
                assert provider is not None, f"{endpoint}: no value for <{name}>; add it to ARGUMENTS"
                values[name] = provider(world)
            fresh = FRESH.get((endpoint, method))
            if fresh:
                values[fresh[0]] = fresh[1](ctx)
            path = _path(app, endpoint, values)
            client = app.test_client() if role == "anon" else app.test_client(user=users[role])
            response = client.open(path, method=method, **(_body(endpoint, world, role) if method == "POST" else {}))
            status = response.status_code
            where = f"{method} {path} as {role}"
            if status != expected[role]:
                mismatches.append(f"{endpoint}: {where} → {status}, expected {expected[role]}")
            elif role == "anon" and status == 302:
                if LOGIN not in response.headers["Location"] and endpoint not in ("main.set_language",):
                    mismatches.append(
                        f"{endpoint}: {where} → 302 to {response.headers['Location']}, not the sign-in page"
                    )
            public = getattr(app.view_functions[endpoint], "is_public", False) or endpoint == "static"
            if role in ("B", "C") and status == 200 and not public:
                body = response.get_data()
                seen = [marker for marker in leaks if marker.encode() in body]
                if seen:
                    mismatches.append(f"{endpoint}: {where} shows district A's {seen}")
            if fresh:
                db.session.expire_all()
                survived = db.session.get(fresh[2], values[fresh[0]]) is not None
                if survived != (expected[role] in (401, 403) or role == "anon"):
                    mismatches.append(f"{endpoint}: {where} → the object {'survived' if survived else 'was removed'}")
            response.close()
    assert not mismatches, "\n".join(mismatches)
