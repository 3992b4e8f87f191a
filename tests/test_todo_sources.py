"""我的待办 sources: a feature's waiting work shows in the badge and on the page."""
from types import SimpleNamespace

import pytest
from jinja2 import ChoiceLoader, DictLoader

from salon import todo
from salon.paging import Paging


@pytest.fixture
def waiting(monkeypatch, app):
    """A source holding three items for the officer and nothing for anyone else."""
    def count(user):
        return 3 if user.username == "officer" else 0

    def items(user, paging: Paging):
        shown = [f"待审稿件{n}" for n in range(1, 4)][paging.offset:paging.offset + paging.limit]
        return SimpleNamespace(items=shown, total=3, page=paging.page, pages=1,
                               has_prev=False, has_next=False, iter_pages=lambda **_: [1])
    monkeypatch.setitem(todo._SOURCES, "review", todo.Source(
        "review", "待我审核的稿件", count, items, "_test_todo_items.html"))
    monkeypatch.setattr(app, "jinja_loader", _with_partial(app.jinja_loader))


def _with_partial(loader):
    return ChoiceLoader([DictLoader({"_test_todo_items.html":
                                     "{% for i in page.items %}<p>{{ i }}</p>{% endfor %}"}),
                         loader])


def test_a_registered_source_counts_in_the_badge_and_shows_on_the_page(waiting, client, auth):
    auth.login("officer")
    home = client.get("/").get_data(as_text=True)
    assert 'class="badge rounded-pill text-bg-danger todo-badge">3<' in home
    page = client.get("/problems/todo").get_data(as_text=True)
    assert "待我审核的稿件" in page and "待审稿件2" in page


def test_a_source_with_nothing_for_this_person_stays_off_the_page(waiting, client, auth):
    auth.login("officer2")
    assert "待我审核的稿件" not in client.get("/problems/todo").get_data(as_text=True)
    assert "todo-badge" not in client.get("/").get_data(as_text=True)
