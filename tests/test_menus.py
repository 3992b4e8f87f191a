"""Menus show each role only what it can use; 个人设置 holds the e-mail, password and tokens."""
import re

import pytest

from salon.extensions import db

from .conftest import csrf_token
from .routes import user


def nav(html: str) -> str:
    return html[html.index('aria-label="主导航"'):html.index("</nav>")]


def links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"#]+)"', nav(html)))


@pytest.mark.parametrize("role, dashboard", [
    ("officer", False), ("organizer", True), ("leader", True), ("admin", False)])
def test_every_menu_link_opens_for_that_role(client, auth, role, dashboard):
    auth.login(role)
    found = links(client.get("/").get_data(as_text=True))
    assert ("/dashboard/" in found) is dashboard
    for url in found:
        status = client.get(url).status_code
        assert status in (200, 302), f"{role}: the menu offers {url}, which answers {status}"
        if status == 302:
            assert "/login" not in client.get(url).headers["Location"]
    assert "/account/" in found and "/account/tokens" not in found  # tokens live in 个人设置
    assert ("/messages/" in found) is (role != "admin")


def test_settings_page_keeps_the_email_and_leads_to_tokens(client, auth):
    auth.login("officer")
    html = client.get("/account/").get_data(as_text=True)
    assert "个人设置" in html and "城关派出所" in html and 'href="/account/tokens"' in html
    token = csrf_token(client, "/account/")
    bad = client.post("/account/", data={"csrf_token": token, "email": "zhang@"})
    assert bad.status_code == 200 and "电子邮箱格式不正确" in bad.get_data(as_text=True)
    assert 'value="zhang@"' in bad.get_data(as_text=True)
    assert user("officer").email is None
    good = client.post("/account/", data={"csrf_token": token, "email": "zhang@gaj.local"})
    assert good.status_code == 302
    db.session.expire_all()
    assert user("officer").email == "zhang@gaj.local"
    tokens = client.get("/account/tokens").get_data(as_text=True)
    assert 'aria-label="个人设置"' in tokens  # the token page sits under the settings tabs


def active_item(html: str) -> str:
    return re.search(r'class="nav-link active"[^>]*>([^<]+)<', nav(html)).group(1)


def test_a_problem_report_lights_its_own_menu_item(client, auth):
    from .post_factories import make_post, make_salon

    salon = make_salon()
    problem = make_post(salon=salon, kind="problem", title="探头太模糊")
    experience = make_post(salon=salon, title="走访经验")
    auth.login("officer")
    assert active_item(client.get(f"/posts/{problem.id}").get_data(as_text=True)) == "问题反映"
    assert active_item(client.get(f"/posts/{experience.id}").get_data(as_text=True)) == "经验交流"
    assert active_item(client.get("/posts/?kind=problem").get_data(as_text=True)) == "问题反映"
    assert active_item(client.get("/posts/").get_data(as_text=True)) == "经验交流"
