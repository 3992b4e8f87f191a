"""Unit heads (所长/负责人), the user's e-mail, 局党委 as a body that never handles a problem."""
import pytest

from salon.accounts.models import Unit
from salon.accounts.services import (
    AccountError,
    create_user,
    get_or_create_unit,
    heads_or_members,
    responsible_units,
    unit_heads,
    unit_members,
    users_with_role,
)
from salon.extensions import db

from .conftest import PASSWORD_HASH
from .test_admin import admin, post, unit, user  # noqa: F401  (admin is a fixture)


def test_cli_creates_a_unit_head_with_an_email(app, runner):
    result = runner.invoke(args=["users", "create", "suozhang", "--name", "李所长", "--unit",
                                 "曹甸派出所", "--unit-head", "--email", "li@ga.local",
                                 "--password-stdin"], input="Qingshui2026\n")
    assert result.exit_code == 0, result.output
    assert "所长" in result.output
    created = user("suozhang")
    assert created.unit_head and created.email == "li@ga.local"
    assert [u.username for u in unit_heads(created.unit_id)] == ["suozhang"]


def test_cli_refuses_a_malformed_email_in_one_chinese_line(app, runner):
    result = runner.invoke(args=["users", "create", "x1", "--name", "某", "--unit", "曹甸派出所",
                                 "--email", "not-an-address", "--password-stdin"],
                           input="Qingshui2026\n")
    assert result.exit_code != 0
    assert "电子邮箱格式不正确" in result.output
    assert user("x1") is None


@pytest.mark.parametrize("email", ["a b@x.cn", "pan<x>@gaj.local", "张@gaj.local", "a@b",
                                   "a@b.", "@gaj.local"])
def test_only_plain_addresses_are_kept(app, email):
    with pytest.raises(AccountError, match="电子邮箱格式不正确"):
        create_user("x2", "某", "曹甸派出所", "officer", email=email)


def test_an_admin_never_heads_a_unit(app):
    with pytest.raises(AccountError, match="管理员不能担任单位负责人"):
        create_user("adm2", "某", "科技信息化科", "admin", unit_head=True)


def test_admin_form_sets_head_and_email(admin):  # noqa: F811
    response = post(admin, "/admin/users/new", username="zhangsan", name="张三", police_no="",
                    unit=unit("曹甸派出所").id, role="officer", password="Chushi2026ab",
                    unit_head="y", email="zs@ga.local")
    assert response.status_code == 302
    created = user("zhangsan")
    assert created.unit_head and created.email == "zs@ga.local"
    html = admin.get("/admin/users").get_data(as_text=True)
    assert "民警（所长）" in html
    edit = post(admin, f"/admin/users/{created.id}/edit", name="张三", police_no="",
                unit=unit("曹甸派出所").id, role="officer", active="y", email="bad@")
    assert edit.status_code == 200 and "电子邮箱格式不正确" in edit.get_data(as_text=True)
    assert 'value="bad@"' in edit.get_data(as_text=True)  # what was typed stays
    db.session.refresh(created)
    assert created.email == "zs@ga.local" and created.unit_head


def test_party_committee_is_never_a_responsible_unit(app):
    committee = db.session.scalar(db.select(Unit).filter_by(name="局党委"))
    assert committee.kind == "committee" and committee.kind_label == "党委"
    assert not committee.can_be_responsible
    station = db.session.scalar(db.select(Unit).filter_by(name="城关派出所"))
    assert station.can_be_responsible
    names = [u.name for u in responsible_units()]
    assert "局党委" not in names and "城关派出所" in names and "治安大队" in names
    assert get_or_create_unit("东街社区警务室").kind == "post"


def test_who_answers_for_a_unit(app):
    station = user("officer").unit
    assert [u.username for u in heads_or_members(station.id)] == ["officer"]  # no head yet
    head = create_user("head", "所长", station.name, "officer", unit_head=True)
    head.password_hash = PASSWORD_HASH
    create_user("gone", "离职", station.name, "officer", unit_head=True, active=False)
    db.session.commit()
    assert [u.username for u in heads_or_members(station.id)] == ["head"]
    assert {u.username for u in unit_members(station.id)} == {"officer", "head"}
    assert [u.username for u in users_with_role("organizer")] == ["organizer"]


def test_the_unit_list_names_the_heads(admin, count_queries):  # noqa: F811
    head = create_user("head", "顾所长", "曹甸派出所", "officer", unit_head=True)
    head.password_hash = PASSWORD_HASH
    db.session.commit()
    html = admin.get("/admin/units").get_data(as_text=True)
    row = html[html.index("<td>曹甸派出所</td>"):]
    assert "顾所长" in row[:row.index("</tr>")]
    committee = html[html.index("<td>局党委</td>"):]
    assert "不承办问题" in committee[:committee.index("</tr>")]
    with count_queries() as queries:
        admin.get("/admin/units")
    assert len(queries) <= 4


def test_the_menu_calls_a_station_head_its_title(app, client, auth):
    create_user("suozhang", "李所长", "曹甸派出所", "officer",
                unit_head=True).password_hash = PASSWORD_HASH
    db.session.commit()
    auth.login("suozhang")
    html = client.get("/").get_data(as_text=True)
    assert "李所长<span class=\"small opacity-75\">（所长）</span>" in html
    auth.logout()
    auth.login("officer")
    assert "（民警）</span>" in client.get("/").get_data(as_text=True)
