"""Printing one problem: the 督办单 (one A4 page to sign) and the print stylesheet of the
post and problem page."""
import re
from datetime import datetime
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from .problem_data import make_problem, step, walk

ROOT = Path(__file__).resolve().parent.parent


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def reported(app):
    """A problem assigned to 曹甸派出所 (officer2), signed, instructed, reported with figures."""
    problem = make_problem("监控探头清晰度太差，难以辨认人脸和车牌")
    walk(problem, "reported")
    step(problem, "leader", "instruct", at=datetime(2026, 11, 6, 9, 0),
         note="请科技信息化科配合，年底前完成更换。")
    return problem


def test_dubandan_is_one_page_with_the_whole_record(client, auth, reported):
    auth.login("organizer")
    answer = client.get(f"/problems/{reported.id}/dubandan.pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(answer.data))
    assert len(reader.pages) == 1
    text = _flat(reader.pages[0].extract_text())
    for fragment in ("督办单", f"第{reported.id}号", "监控探头清晰度太差，难以辨认人脸和车牌",
                     "民警提出", "责任单位", "曹甸派出所", "办理时限", "2026年12月1日",
                     "领导批示", "请科技信息化科配合，年底前完成更换。", "办理过程", "受理", "交办",
                     "签收", "报结", "办理结果", "新增探头并调整点位", "新增探头：16组",
                     "承办人", "所长（负责人）", "督办人", "领导签批", "签字", "日期"):
        assert _flat(fragment) in text, fragment
    fonts = {str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
             for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts <= {"Noto-Serif-SC", "Noto-Serif-SC-Bold"}


@pytest.mark.parametrize("who, status", [("leader", 200), ("officer2", 200),  # 曹甸 member
                                         ("officer", 403), ("admin", 403)])
def test_dubandan_for_the_desk_leaders_and_the_unit_only(client, auth, reported, who, status):
    auth.login(who)
    assert client.get(f"/problems/{reported.id}/dubandan.pdf").status_code == status
    page = client.get(f"/posts/{reported.post_id}").get_data(as_text=True)
    assert ("打印督办单" in page) == (status == 200)


def test_dubandan_of_a_missing_problem(client, auth, app):
    auth.login("organizer")
    assert client.get("/problems/999999/dubandan.pdf").status_code == 404


def test_print_stylesheet_hides_navigation_comments_sidebar_and_forms():
    css = (ROOT / "static" / "css" / "site.css").read_text()
    block = css[css.index("@media print"):]
    hidden = block[:block.index("{")] + block[block.index("{") + 1:block.index("display: none")]
    for selector in ("nav.navbar", "aside", "#comments", ".problem-actions", "form", ".no-print"):
        assert selector in hidden, selector
    page = (ROOT / "templates" / "posts" / "detail.html").read_text()
    assert "js/print.js" in page  # folded parts of the record print open
