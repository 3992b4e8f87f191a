"""用户管理 and 单位管理: admin-only pages, rules on the last admin and on oneself."""
import pytest

from salon.accounts.models import Unit, User
from salon.extensions import db

from .conftest import PASSWORD, csrf_token
from .test_accounts import sign_in, signed_in


def user(username: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=username))


def unit(name: str) -> Unit:
    return db.session.scalar(db.select(Unit).filter_by(name=name))


@pytest.fixture
def admin(client, auth):
    auth.login("admin")
    return client


def post(client, url: str, follow_redirects: bool = False, **data):
    token = csrf_token(client, "/admin/users")
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow_redirects)


ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/units", "/admin/units/new",
               "/admin/logins", "/admin/users/1/edit", "/admin/users/1/password",
               "/admin/units/1/edit"]


@pytest.mark.parametrize("role", ["officer", "organizer", "leader"])
def test_admin_pages_refuse_other_roles(client, auth, role):
    auth.login(role)
    assert {url: client.get(url).status_code for url in ADMIN_PAGES} == dict.fromkeys(
        ADMIN_PAGES, 403)


def test_admin_pages_send_anonymous_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_non_admin_cannot_post_either(client, auth):
    auth.login("leader")
    response = post(client, f"/admin/users/{user('officer').id}/deactivate")
    assert response.status_code == 403
    assert user("officer").active


def test_user_list_shows_unit_role_and_state(admin):
    html = admin.get("/admin/users").get_data(as_text=True)
    for text in ("officer2", "王二", "曹甸派出所", "组织者", "局领导", "启用"):
        assert text in html


def test_user_list_filters(admin):
    caodian = unit("曹甸派出所").id
    html = admin.get(f"/admin/users?unit={caodian}").get_data(as_text=True)
    assert "officer2" in html and "测试organizer" not in html
    html = admin.get("/admin/users?role=leader").get_data(as_text=True)
    assert "测试leader" in html and "王二" not in html
    html = admin.get("/admin/users?q=王").get_data(as_text=True)
    assert "officer2" in html and "测试leader" not in html
    user("officer2").active = False
    db.session.commit()
    html = admin.get("/admin/users?active=0").get_data(as_text=True)
    assert "officer2" in html and "测试leader" not in html


def test_user_list_paginates_with_constant_queries(app, admin, count_queries):
    app.config["USERS_PER_PAGE"] = 10
    db.session.expunge_all()  # each request starts cold, as in production
    with count_queries() as few:
        admin.get("/admin/users")
    for n in range(25):
        db.session.add(User(username=f"u{n:02d}", name=f"用户{n}", unit=Unit(name=f"所{n}")))
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as many:
        html = admin.get("/admin/users").get_data(as_text=True)
    assert len(many) == len(few), "\n".join(many)
    assert "共 30 条" in html and "下一页" in html
    assert "u24" in admin.get("/admin/users?page=3").get_data(as_text=True)


def test_create_user(admin):
    response = post(admin, "/admin/users/new", username="zhangsan", name="张三", police_no="012345",
                    unit=unit("曹甸派出所").id, role="organizer", password="Chushi-2026")
    assert response.status_code == 302
    created = user("zhangsan")
    assert (created.name, created.police_no, created.unit.name, created.role) == (
        "张三", "012345", "曹甸派出所", "organizer")
    assert created.check_password("Chushi-2026")


@pytest.mark.parametrize("fields, message", [
    ({"username": "officer"}, "已存在"),
    ({"username": "bad name!"}, "用户名只能包含"),
    ({"password": "short1"}, "至少 10 位"),
    ({"password": "password123"}, "常见密码"),
    ({"name": ""}, "请输入姓名"),
    ({"unit": "99999"}, "请选择单位"),
    ({"role": "root"}, "请选择角色"),
])
def test_create_user_errors_are_chinese_and_nothing_is_written(admin, fields, message):
    data = {"username": "lisi", "name": "李四", "police_no": "", "role": "officer",
            "unit": unit("城关派出所").id, "password": "Chushi-2026", **fields}
    response = post(admin, "/admin/users/new", **data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert user("lisi") is None
    assert db.session.scalar(db.select(db.func.count(User.id))) == 5


def test_police_number_must_be_unique(admin):
    user("officer").police_no = "100001"
    db.session.commit()
    response = post(admin, f"/admin/users/{user('officer2').id}/edit", name="王二",
                    police_no="100001", unit=unit("曹甸派出所").id, role="officer", active="y")
    assert "已被使用" in response.get_data(as_text=True)
    assert user("officer2").police_no is None


def test_edit_user(admin):
    target = user("officer2")
    response = post(admin, f"/admin/users/{target.id}/edit", name="王小二", police_no="77",
                    unit=unit("城关派出所").id, role="leader", active="y")
    assert response.status_code == 302
    db.session.refresh(target)
    assert (target.name, target.police_no, target.unit.name, target.role, target.active) == (
        "王小二", "77", "城关派出所", "leader", True)


def test_edit_form_is_prefilled(admin):
    html = admin.get(f"/admin/users/{user('officer2').id}/edit").get_data(as_text=True)
    assert 'value="王二"' in html and "selected" in html


def test_deactivate_and_reactivate(client, auth, admin):
    target = user("officer2")
    assert post(admin, f"/admin/users/{target.id}/deactivate").status_code == 302
    db.session.refresh(target)
    assert not target.active
    assert post(admin, f"/admin/users/{target.id}/reactivate").status_code == 302
    db.session.refresh(target)
    assert target.active


def test_deactivation_ends_open_sessions(app, auth):
    other = app.test_client()
    from .conftest import AuthActions

    AuthActions(other).login("officer2")
    assert other.get("/salons/").status_code == 200
    user("officer2").active = False
    db.session.commit()
    response = other.get("/salons/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_reset_ends_the_users_sessions(app, admin):
    officer2, remembered = app.test_client(), app.test_client()
    sign_in(officer2, "officer2")
    sign_in(remembered, "officer2", remember=True)
    response = post(admin, f"/admin/users/{user('officer2').id}/password",
                    password="Neuer-2026x", confirm="Neuer-2026x", follow_redirects=True)
    assert "会话均已退出" in response.get_data(as_text=True)
    assert not signed_in(officer2) and not signed_in(remembered)
    assert signed_in(admin)
    sign_in(officer2, "officer2", password="Neuer-2026x")
    assert signed_in(officer2)


def test_role_change_ends_the_users_sessions(app, admin):
    officer2 = app.test_client()
    sign_in(officer2, "officer2", remember=True)
    target = user("officer2")
    post(admin, f"/admin/users/{target.id}/edit", name="王小二", police_no="",
         unit=target.unit_id, role="officer", active="y")
    assert signed_in(officer2)                   # a new name only: the session stays
    post(admin, f"/admin/users/{target.id}/edit", name="王小二", police_no="",
         unit=target.unit_id, role="leader", active="y")
    assert not signed_in(officer2)
    assert signed_in(admin)
    sign_in(officer2, "officer2")
    assert officer2.get("/dashboard/").status_code == 200   # signed in again, as a leader


def test_an_admin_resetting_their_own_password_keeps_this_session_only(app, admin):
    elsewhere = app.test_client()
    sign_in(elsewhere, "admin")
    response = post(admin, f"/admin/users/{user('admin').id}/password",
                    password="Neuer-2026x", confirm="Neuer-2026x")
    assert response.status_code == 302
    assert signed_in(admin) and not signed_in(elsewhere)


def test_admin_cannot_deactivate_themselves(admin):
    me = user("admin")
    response = post(admin, f"/admin/users/{me.id}/deactivate", follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    db.session.refresh(me)
    assert me.active


def test_last_admin_cannot_lose_the_role(admin):
    me = user("admin")
    response = post(admin, f"/admin/users/{me.id}/edit", name=me.name, police_no="",
                    unit=me.unit_id, role="officer", active="y")
    assert "最后一名管理员" in response.get_data(as_text=True)
    db.session.refresh(me)
    assert me.role == "admin"


def test_an_admin_may_step_down_when_another_remains(admin):
    user("leader").role = "admin"
    db.session.commit()
    me = user("admin")
    response = post(admin, f"/admin/users/{me.id}/edit", name=me.name, police_no="",
                    unit=me.unit_id, role="officer", active="y")
    assert response.status_code == 302
    db.session.refresh(me)
    assert me.role == "officer"
    # the last remaining admin (now `leader`) cannot be deactivated by anyone
    assert admin.get("/admin/users").status_code == 403


def test_reset_password(client, auth, admin):
    target = user("officer2")
    url = f"/admin/users/{target.id}/password"
    response = post(admin, url, password="abc", confirm="abc")
    assert "至少 10 位" in response.get_data(as_text=True)
    response = post(admin, url, password="Neuer-2026x", confirm="Neuer-2026x")
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.check_password("Neuer-2026x") and not target.check_password(PASSWORD)


def test_units_list_create_and_edit(admin, count_queries):
    html = admin.get("/admin/units").get_data(as_text=True)
    assert "曹甸派出所" in html and "派出所" in html
    response = post(admin, "/admin/units/new", name="新城派出所", kind="station")
    assert response.status_code == 302
    response = post(admin, "/admin/units/new", name="新城派出所", kind="station")
    assert "已存在" in response.get_data(as_text=True)
    response = post(admin, "/admin/units/new", name="某某", kind="castle")
    assert "请选择单位类别" in response.get_data(as_text=True)
    created = unit("新城派出所")
    response = post(admin, f"/admin/units/{created.id}/edit", name="新城所", kind="brigade")
    assert response.status_code == 302
    db.session.refresh(created)
    assert (created.name, created.kind_label) == ("新城所", "大队")
    response = post(admin, f"/admin/units/{created.id}/edit", name="曹甸派出所", kind="station")
    assert "已存在" in response.get_data(as_text=True)
    with count_queries() as queries:
        admin.get("/admin/units")
    assert len(queries) <= 3


def test_missing_objects_are_404(admin):
    assert admin.get("/admin/users/9999/edit").status_code == 404
    assert admin.get("/admin/units/9999/edit").status_code == 404


def test_user_menu_links(client, auth):
    auth.login("officer")
    html = client.get("/").get_data(as_text=True)
    assert "个人设置" in html and "用户管理" not in html  # API 令牌 live under 个人设置
    auth.logout()
    auth.login("admin")
    html = client.get("/").get_data(as_text=True)
    assert "用户管理" in html and "单位管理" in html and "登录日志" in html


def api_status(app, token: str) -> int:
    return app.test_client().get("/api/search?q=民警",
                                 headers={"Authorization": f"Bearer {token}"}).status_code


def test_password_reset_and_role_change_revoke_api_tokens_but_a_name_edit_does_not(app, admin):
    from salon.accounts.services import issue_token

    target = user("officer2")
    token = issue_token(target, "脚本")
    assert api_status(app, token) == 200
    post(admin, f"/admin/users/{target.id}/edit", name="王小二", police_no="",
         unit=target.unit_id, role="officer", active="y")
    assert api_status(app, token) == 200          # a new name only: the token stays
    post(admin, f"/admin/users/{target.id}/password", password="Neuer-2026x", confirm="Neuer-2026x")
    assert api_status(app, token) == 401

    token = issue_token(user("officer2"), "新脚本")
    post(admin, f"/admin/users/{target.id}/edit", name="王小二", police_no="",
         unit=target.unit_id, role="leader", active="y")
    assert api_status(app, token) == 401
