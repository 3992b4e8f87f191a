"""Authorisation matrix: every GET route × every role and anonymous, from the URL map.

One line per endpoint in EXPECTED; a route without a line fails with a message saying so.
Outcomes: OK (200), LOGIN (302 to the sign-in page), UNAUTHORIZED (401 JSON, the API),
FORBIDDEN (403), NOT_FOUND (404), REDIRECT (302 elsewhere).
"""
import pytest

from .routes import ANONYMOUS, ROLES, build_world, rules, signed_in_clients, url_for_rule

OK, LOGIN, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, REDIRECT = (
    200, "login", 401, 403, 404, "redirect")


def expect(anonymous=LOGIN, default=OK, **roles) -> dict[str, object]:
    """Outcome per role; `default` for the roles not named."""
    return {ANONYMOUS: anonymous, **{role: roles.get(role, default) for role in ROLES}}


def only(*allowed: str, anonymous=LOGIN) -> dict[str, object]:
    """These roles get the page, the others 403."""
    return expect(anonymous, FORBIDDEN, **dict.fromkeys(allowed, OK))


PUBLIC = expect(anonymous=OK)
ALL_SIGNED_IN = expect()
API_SIGNED_IN = expect(anonymous=UNAUTHORIZED)
ADMIN_ONLY = only("admin")
ORGANIZER_ONLY = only("organizer")
WRITERS = only("officer", "organizer", "leader")  # admins manage users, not content

EXPECTED: dict[str, dict[str, object]] = {
    "accounts.change_password": ALL_SIGNED_IN,
    "accounts.login": PUBLIC,
    "accounts.settings": ALL_SIGNED_IN,
    "accounts.tokens": ALL_SIGNED_IN,
    "admin.create": ADMIN_ONLY,
    "admin.create_unit": ADMIN_ONLY,
    "admin.edit": ADMIN_ONLY,
    "admin.edit_unit": ADMIN_ONLY,
    "admin.logins": ADMIN_ONLY,
    "admin.reset_password": ADMIN_ONLY,
    "admin.units": ADMIN_ONLY,
    "admin.users": ADMIN_ONLY,
    "api.get_post": API_SIGNED_IN,
    "api.get_problem": API_SIGNED_IN,
    "api.list_posts": API_SIGNED_IN,
    "api.list_problems": API_SIGNED_IN,
    "api.my_todo": API_SIGNED_IN,
    "api.me": API_SIGNED_IN,
    "api.my_notifications": API_SIGNED_IN,
    "api.openapi_description": API_SIGNED_IN,
    "api.search": API_SIGNED_IN,
    "assessment.brands": ALL_SIGNED_IN,
    "assessment.edit_brand": ORGANIZER_ONLY,  # or the unit's head (none in the sample)
    "assessment.edit_indicator": only("organizer", "admin"),
    "assessment.edit_profile": ADMIN_ONLY,
    "assessment.export": only("leader", "organizer"),
    "assessment.figures": ORGANIZER_ONLY,
    "assessment.index": expect(default=REDIRECT),  # to the ranking, or one's own unit
    "assessment.indicators": ALL_SIGNED_IN,
    "assessment.new_indicator": only("organizer", "admin"),
    "assessment.ranking": only("leader", "organizer"),
    "assessment.report_file": ALL_SIGNED_IN,  # a published 通报 is circulated to every unit
    "assessment.reports": ALL_SIGNED_IN,
    "assessment.unit_indicators": only("leader", "organizer"),  # officer2's unit
    "assessment.unit_page": ALL_SIGNED_IN,
    "api.assessment_ranking": only("leader", "organizer", anonymous=UNAUTHORIZED),
    "bulletin.archive": ALL_SIGNED_IN,
    "bulletin.download": only("organizer", "leader"),  # a sample: its makers and signers
    "bulletin.page": ALL_SIGNED_IN,
    "bulletin.status": ALL_SIGNED_IN,
    "dashboard.index": only("leader", "organizer"),
    "lectures.detail": ALL_SIGNED_IN,
    "lectures.download": ALL_SIGNED_IN,
    "lectures.edit": ORGANIZER_ONLY,
    "lectures.index": ALL_SIGNED_IN,
    "lectures.new": ORGANIZER_ONLY,
    "lectures.preview": ALL_SIGNED_IN,
    "lectures.school": ALL_SIGNED_IN,
    "notifications.follow": expect(default=NOT_FOUND, officer=REDIRECT),  # one's own only
    "notifications.index": ALL_SIGNED_IN,
    "posts.detail": ALL_SIGNED_IN,
    "posts.edit": only("officer"),  # the sample post is officer's own
    "posts.import_docx": WRITERS,
    "posts.index": ALL_SIGNED_IN,
    "posts.new": WRITERS,
    "posts.showcase": ALL_SIGNED_IN,
    "posts.upload_image": WRITERS,
    "posts.uploaded_file": ALL_SIGNED_IN,
    "problems.detail": expect(default=REDIRECT),  # a problem lives on its post's page
    "problems.dubandan": only("organizer", "leader"),  # and its unit (test_problem_print)
    "problems.export": only("leader", "organizer"),  # the ledger
    # a background export is the leader's own (organizers: 404); its file is not written yet
    "problems.export_file": expect(default=FORBIDDEN, leader=NOT_FOUND, organizer=NOT_FOUND),
    "problems.export_job": expect(default=FORBIDDEN, leader=OK, organizer=NOT_FOUND),
    "problems.export_status": expect(default=FORBIDDEN, leader=OK, organizer=NOT_FOUND),
    "problems.index": ALL_SIGNED_IN,
    "problems.todo": ALL_SIGNED_IN,
    "salons.agenda": ORGANIZER_ONLY,
    "salons.calendar": ALL_SIGNED_IN,
    "salons.create": ORGANIZER_ONLY,
    "salons.detail": ALL_SIGNED_IN,
    "salons.edit": ORGANIZER_ONLY,
    "salons.index": ALL_SIGNED_IN,
    "salons.minutes": expect(default=FORBIDDEN, organizer=REDIRECT),  # minutes once held
    "search.index": ALL_SIGNED_IN,
    "search.similar_problems": ALL_SIGNED_IN,
    "suggestions.detail": expect(admin=NOT_FOUND),  # the sample is officer's registration
    "suggestions.export": ORGANIZER_ONLY,  # the one export with contacts
    "suggestions.import_sheet": ORGANIZER_ONLY,
    "suggestions.import_template": ORGANIZER_ONLY,
    "suggestions.index": WRITERS,
    "suggestions.new": WRITERS,
    "suggestions.poster": WRITERS,
    "suggestions.posters": WRITERS,
    "web.home": ALL_SIGNED_IN,
}

# More samples for routes whose answer depends on the object: (endpoint, arguments, outcomes).
EXTRA_CASES = [
    # a draft is its author's alone
    ("posts.detail", {"post_id": "draft_id"}, only("officer")),
    ("posts.edit", {"post_id": "draft_id"}, only("officer")),
    ("api.get_post", {"post_id": "draft_id"}, only("officer", anonymous=UNAUTHORIZED)),
    # a post waiting for review: its author and reviewers (here the desk: the unit has no
    # head); for everyone else it does not exist
    ("posts.detail", {"post_id": "pending_id"}, expect(default=NOT_FOUND, officer=OK,
                                                       organizer=OK)),
    ("posts.edit", {"post_id": "pending_id"}, expect(default=NOT_FOUND, officer=OK,
                                                     organizer=FORBIDDEN)),
    ("api.get_post", {"post_id": "pending_id"},
     expect(anonymous=UNAUTHORIZED, default=NOT_FOUND, officer=OK, organizer=OK)),
    ("admin.edit", {"user_id": "missing_id"}, expect(default=FORBIDDEN, admin=NOT_FOUND)),
    # one's own unit's indicators (考核): its members see them
    ("assessment.unit_indicators", {"unit_id": "own_unit_id"},
     expect(default=OK, admin=FORBIDDEN)),
    # a suggestion officer2 registered: officer may not see it (nor its contact)
    ("suggestions.detail", {"suggestion_id": "other_suggestion_id"},
     expect(default=OK, officer=NOT_FOUND, admin=NOT_FOUND)),
]


def outcome(response):
    """200/401/403/404 as they are; a redirect as LOGIN or REDIRECT."""
    if response.status_code in (301, 302, 303):
        return LOGIN if "/login" in response.headers["Location"] else REDIRECT
    return response.status_code


def get_rules(app):
    return rules(app, {"GET"})


def test_every_get_route_has_an_expectation(app):
    endpoints = {r.endpoint for r in get_rules(app)}
    missing = sorted(endpoints - set(EXPECTED))
    assert not missing, (
        f"add these endpoints to EXPECTED in tests/test_authz.py, one line each "
        f"(e.g. \"{missing[0]}\": ALL_SIGNED_IN): {missing}")
    stale = sorted(set(EXPECTED) - endpoints)
    assert not stale, f"remove these endpoints from EXPECTED (no such GET route): {stale}"


@pytest.mark.parametrize("who", [ANONYMOUS, *ROLES])
def test_matrix(app, who):
    world = {**build_world(), "missing_id": 999999}
    client = signed_in_clients(app)[who]
    cases = [(r, EXPECTED.get(r.endpoint), {}) for r in get_rules(app)]
    cases += [(r, expected, args) for endpoint, args, expected in EXTRA_CASES
              for r in get_rules(app) if r.endpoint == endpoint]
    wrong = []
    for rule, expected, args in cases:
        if expected is None:
            continue  # reported by test_every_get_route_has_an_expectation
        url = url_for_rule(app, rule, world, {a: world[k] for a, k in args.items()})
        got = outcome(client.get(url))
        if got != expected[who]:
            wrong.append(f"{rule.endpoint} {url}: expected {expected[who]}, got {got}")
    assert not wrong, f"as {who}:\n" + "\n".join(wrong)
