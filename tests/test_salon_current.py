"""The current salon (home page, new posts) and the meeting time rules (form and CLI)."""
from datetime import datetime

import pytest

from salon.extensions import db
from salon.posts.services import default_salon
from salon.salons.current import current_salon
from salon.salons.models import Salon
from salon.timeutil import frozen

from .salon_factories import make_salon, post_form, reload


def test_current_is_the_next_meeting_still_collecting(app, client, auth):
    make_salon("2026-10", "已出刊的", status="published")
    november = make_salon("2026-11", "十一月", status="open",
                          starts_at=datetime(2026, 11, 26, 14, 30))
    make_salon("2026-12", "十二月（新开的）", status="open",
               starts_at=datetime(2026, 12, 20, 14, 30))
    make_salon("2027-01", "一月（筹备中）", status="planning")
    assert current_salon() == november
    assert default_salon() == november  # a new post goes to the next meeting, not the newest
    auth.login("officer")
    home = client.get("/").get_data(as_text=True)
    assert "十一月" in home and "十二月（新开的）" not in home
    form = client.get("/posts/new").get_data(as_text=True)
    assert f'value="{november.id}" selected' in form or f'selected value="{november.id}"' in form


def test_without_an_open_salon_the_newest_unpublished_is_current(app):
    make_salon("2026-10", "已出刊的", status="published")
    held = make_salon("2026-11", "已召开", status="held")
    assert current_salon() == held and default_salon() == held


def test_an_open_salon_without_a_date_comes_after_dated_ones(app):
    make_salon("2026-11", "未定时间", status="open")
    dated = make_salon("2026-12", "已定时间", status="open",
                       starts_at=datetime(2026, 12, 3, 9, 0))
    assert current_salon() == dated


# --- the meeting time ------------------------------------------------------------------------

FORM = {"month": "2026-12", "topic": "社区警务室常态化", "description": "征稿说明不丢",
        "place": "三楼会议室"}


@pytest.mark.parametrize("starts_at, message", [
    ("2027-01-08T14:30", "会议时间须在本期月份（2026年12月）之内"),
    ("2026-11-30T14:30", "会议时间须在本期月份（2026年12月）之内"),
    ("2026-12-01T08:00", "已经过去，请填写今后的时间"),
])
def test_form_refuses_a_meeting_outside_its_month_or_in_the_past(app, client, auth,
                                                                  starts_at, message):
    auth.login("organizer")
    with frozen(datetime(2026, 12, 1, 9, 0)):
        response = post_form(client, "/salons/new", {**FORM, "starts_at": starts_at})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert "is-invalid" in html and "征稿说明不丢" in html and 'value="三楼会议室"' in html
    assert f'value="{starts_at}"' in html  # what was typed stays
    assert db.session.scalar(db.select(db.func.count(Salon.id))) == 0


def test_editing_keeps_a_past_meeting_but_refuses_moving_into_the_past(app, client, auth):
    salon = make_salon("2026-11", "十一月", status="held", starts_at=datetime(2026, 11, 20, 14))
    auth.login("organizer")
    with frozen(datetime(2026, 12, 1, 9, 0)):
        same = post_form(client, "/salons/2026-11/edit", {
            "month": "2026-11", "topic": "改了主题", "starts_at": "2026-11-20T14:00"})
        assert same.status_code == 302
        moved = post_form(client, "/salons/2026-11/edit", {
            "month": "2026-11", "topic": "改了主题", "starts_at": "2026-11-21T14:00"})
        assert "已经过去" in moved.get_data(as_text=True)
    assert reload(salon).topic == "改了主题" and salon.starts_at == datetime(2026, 11, 20, 14)


@pytest.mark.parametrize("starts_at, message", [
    ("2027-01-08 14:30", "会议时间须在本期月份（2026年12月）之内"),
    ("2026-12-01 08:00", "已经过去"),
])
def test_cli_refuses_the_same_in_one_line(app, runner, starts_at, message):
    with frozen(datetime(2026, 12, 1, 9, 0)):
        result = runner.invoke(args=["salons", "create", "--month", "2026-12", "--topic", "主题",
                                     "--starts-at", starts_at])
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert db.session.scalar(db.select(db.func.count(Salon.id))) == 0
