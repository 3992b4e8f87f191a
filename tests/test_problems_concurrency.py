"""Two conflicting steps on one problem at the same moment: exactly one wins, the other 409.

Real concurrent HTTP requests against the app served by a threaded werkzeug server (each
request on its own thread, connection and transaction), on SQLite and on PostgreSQL.
"""
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

from werkzeug.serving import make_server

from salon.accounts.models import ApiToken
from salon.extensions import db
from salon.notifications.models import Notification
from salon.problems.models import CoSign, Problem, ProblemEvent

from .conftest import PASSWORD
from .problem_data import make_problem, user, walk

ROUNDS = 6


@contextmanager
def served(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(5)


def token(username: str) -> str:
    _, plain = ApiToken.issue(user(username))
    db.session.commit()
    return plain


def post(url: str, bearer: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {bearer}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def at_once(calls: list) -> list[tuple[int, dict]]:
    """Run the calls on threads released together by a barrier; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        answers[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return answers


def events_of(problem_id: int) -> list[str]:
    return list(db.session.scalars(db.select(ProblemEvent.action).filter_by(
        problem_id=problem_id).order_by(ProblemEvent.id)))


def test_accept_and_decline_at_the_same_moment(app):
    desk, desk2 = token("organizer"), token("organizer")
    ids = [make_problem(f"并发受理 {i}").id for i in range(ROUNDS)]
    with served(app) as site:
        for problem_id in ids:
            url = f"{site}/api/problems/{problem_id}/events"
            answers = at_once([
                lambda url=url: post(url, desk, {"action": "accept"}),
                lambda url=url: post(url, desk2, {"action": "decline", "note": "不属公安职责"}),
            ])
            statuses = sorted(status for status, _ in answers)
            assert statuses == [200, 409], answers
            loser = next(body for status, body in answers if status == 409)
            assert loser["error"]
    db.session.expire_all()
    for problem_id in ids:
        problem = db.session.get(Problem, problem_id)
        actions = events_of(problem_id)
        assert len(actions) == 2 and actions[0] == "raise", actions  # one transition only
        assert problem.state == {"accept": "accepted", "decline": "declined"}[actions[1]]
        if problem.state == "accepted":  # no trace of the losing decline
            assert problem.decline_reason == "" and problem.closed_at is None


def test_approve_and_reject_of_one_report(app):
    leader, leader2 = token("leader"), token("leader")
    ids = [walk(make_problem(f"并发审核 {i}"), "reported").id for i in range(ROUNDS)]
    with served(app) as site:
        for problem_id in ids:
            url = f"{site}/api/problems/{problem_id}/events"
            answers = at_once([
                lambda url=url: post(url, leader, {"action": "approve"}),
                lambda url=url: post(url, leader2, {"action": "reject", "note": "成效不实"}),
            ])
            assert sorted(status for status, _ in answers) == [200, 409], answers
    db.session.expire_all()
    for problem_id in ids:
        actions = events_of(problem_id)
        assert actions.count("approve") + actions.count("reject") == 1, actions


def test_double_cosign_by_one_user_is_no_error(app):
    officer2 = token("officer2")
    ids = [make_problem(f"并发附议 {i}").id for i in range(ROUNDS)]
    with served(app) as site:
        for problem_id in ids:
            url = f"{site}/api/problems/{problem_id}/events"
            answers = at_once([lambda url=url: post(url, officer2, {"action": "cosign"})] * 3)
            assert sorted(status for status, _ in answers) == [200, 409, 409], answers
    db.session.expire_all()
    for problem_id in ids:
        count = db.session.scalar(db.select(db.func.count(CoSign.id)).filter_by(
            problem_id=problem_id))
        assert count == 1 and events_of(problem_id).count("cosign") == 1


class Browser:
    """A signed-in person's own cookies, as a second browser would have them."""

    def __init__(self, site: str, username: str):
        import http.cookiejar
        import re

        self.site = site
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self._re = re
        self.send("/login", {"username": username, "password": PASSWORD,
                             "csrf_token": self.token("/login")})
        assert "退出" in self.open("/problems/")[1], f"{username} did not sign in"

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.site + path, data=body, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    send = open

    def token(self, path: str) -> str:
        html = self.open(path)[1]
        return self._re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_two_desks_press_at_the_same_moment_in_the_browser(app):
    """The web form: one step goes through, the other person sees a clear Chinese 409 page
    that leads back to the problem; the history has one transition."""
    problems = [make_problem(f"网页并发受理 {i}") for i in range(ROUNDS)]
    with served(app) as site:
        first, second = Browser(site, "organizer"), Browser(site, "organizer")
        for problem in problems:
            page = f"/posts/{problem.post_id}"
            tokens = first.token(page), second.token(page)
            act = f"/problems/{problem.id}/act"
            answers = at_once([
                lambda act=act, token=tokens[0]: first.send(
                    act, {"action": "accept", "csrf_token": token}),
                lambda act=act, token=tokens[1]: second.send(
                    act, {"action": "decline", "note": "不属公安职责", "csrf_token": token}),
            ])
            assert sorted(status for status, _ in answers) == [200, 409], \
                [(s, h[:200]) for s, h in answers]
            loser = next(html for status, html in answers if status == 409)
            assert "刚刚已被他人处理" in loser or "不能" in loser, loser[:500]
            assert f'href="{page}"' in loser  # the way back to the problem
            assert "Conflict" not in loser and "409 Conflict" not in loser
    db.session.expire_all()
    for problem in problems:
        actions = events_of(problem.id)
        assert len(actions) == 2 and actions[0] == "raise", actions
        # only the step that went through told anybody (the loser's notices rolled back)
        winner = db.session.scalar(db.select(ProblemEvent.id).filter_by(
            problem_id=problem.id).order_by(ProblemEvent.id.desc()).limit(1))
        keys = set(db.session.scalars(db.select(Notification.dedupe_key).filter_by(
            link=f"/posts/{problem.post_id}")))
        assert keys == {f"problem-event:{winner}"}, keys
