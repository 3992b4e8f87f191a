"""The built PDF, read back: contents, TOC against the outline, fonts, metadata, 回头看."""
import re
from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from benchmarks.bulletin_snapshot import placement_differences, words
from salon import create_app
from salon.extensions import db
from salon.posts.models import Post
from salon.timeutil import frozen
from tests import bulletin_data as d
from tests.conftest import database_url, seed_users

TODAY = datetime(2026, 11, 25, 10, 0)


def _make_content() -> dict:
    """Three salons; the middle one's bulletin, with earlier open and closed problems."""
    first = d.salon(1, "2026-08")
    second = d.salon(2, "2026-09")
    current = d.salon(3, "2026-10")
    later = d.salon(4, "2026-11", status="open")
    open_old = [
        d.problem(d.post(first, "第一期遗留：农村路灯不亮", kind="problem"), "assigned",
                  unit_name="城关派出所", deadline=date(2026, 10, 1)),
        d.problem(d.post(second, "第二期遗留：电动车充电隐患", kind="problem"), "in_progress",
                  unit_name="消防大队", deadline=date(2026, 12, 31)),
        d.problem(d.post(second, "第二期遗留：出租屋登记难", kind="problem"), "raised"),
    ]
    for state, title in [("resolved", "已办结：校门口护学岗"), ("confirmed", "已确认：菜场秩序"),
                         ("declined", "不予采纳：增设派出所")]:
        d.problem(d.post(first, title, kind="problem"), state, unit_name="治安大队")
    d.problem(d.post(later, "下一期的问题：不应出现", kind="problem"), "raised")

    long_body = "\n\n".join(f"第{i}段。" + d.PARAGRAPH * 4 for i in range(1, 16))
    chosen = [
        d.post(current, "网格化走访的经验", body=long_body, in_bulletin=True, exemplary=True),
        d.post(current, "调解邻里纠纷三步法", author="officer2", in_bulletin=True),
        d.post(current, "治安巡防队伍建设", in_bulletin=True,
               body="## 做法\n\n建立“红袖标”巡防队。\n\n| 指标 | 数值 |\n|---|---|\n| 队员 | 36 |"),
    ]
    report = d.post(current, "学校周边交通拥堵", kind="problem", in_bulletin=True,
                    body="上下学高峰时段学校门口车辆乱停，存在安全隐患。")
    handled = d.problem(report, "in_progress", unit_name="交警大队", deadline=date(2026, 11, 1),
                        outcome="已增设临时护学岗。")
    d.instruct(handled, "请交警大队牵头，一周内拿出方案。")
    d.figure(handled, "新增护学岗", 4, "个")
    chosen.append(report)
    d.post(current, "未入选的稿件标题", body="这篇没有入选专刊。")
    d.post(current, "草稿不应出现", status="draft", in_bulletin=True)
    d.signup(current, "officer", True)
    d.signup(current, "officer2", False)
    db.session.commit()
    return {
        "salon": current,
        "chosen": [(p.title, p.body_text[:12]) for p in chosen],
        "open_old": [p.post.title for p in open_old],
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Real PDFs of one bulletin, built once for the module (rendering is the slow part): in
    parts by worker processes (the default), as one document in a process of its own (as
    the CLI and the web's build jobs do), and in parts again after one article changed."""
    tmp = tmp_path_factory.mktemp("bulletin-pdf")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp / "instance"),
                      "BULLETIN_CACHE_BUILDS": 1,
                      "SQLALCHEMY_DATABASE_URI": database_url(tmp), "SECRET_KEY": "test",
                      "STORAGE_DIR": str(tmp / "files"), "SEARCH_INDEX_DIR": str(tmp / "index")})
    with app.app_context(), frozen(TODAY):
        db.drop_all()
        db.create_all()
        seed_users()
        facts = _make_content()
        from salon.bulletin.services import build

        salon = facts.pop("salon")
        d.signed_off(salon)  # the cover carries the 签发人 and the date of 签发
        results = {"parts": build(salon, workers=2, in_subprocess=True),
                   "whole": build(salon, workers=0, in_subprocess=True)}
        # Change one article: only its part is laid out again.
        cached_first = _cached_parts(tmp / "files")
        post = db.session.scalar(db.select(Post).filter_by(title="调解邻里纠纷三步法"))
        # Long enough to add a page, short enough to stay in its part: every later page
        # number in the contents moves, yet the contents part is not laid out again.
        post.body += "\n\n补充一段新的做法。" + "\n\n".join([d.PARAGRAPH] * 25)
        db.session.commit()
        d.signed_off(salon)  # new words, signed again: the cover stays as it was
        facts["rebuilt"] = build(salon, workers=2)
        facts["first_parts"] = (results["parts"].rendered, results["parts"].cached)
        facts["cache"] = (cached_first, _cached_parts(tmp / "files"))
        db.session.remove()
        db.drop_all()
        db.engine.dispose()  # no connection of this module's app may outlive it
    return results, facts


@pytest.fixture(scope="module", params=["parts", "whole"])
def built(request, builds):
    """The bulletin as built in one mode, read back."""
    results, facts = builds
    result = results[request.param]
    reader = PdfReader(BytesIO(result.pdf))
    return {**facts, "pdf": result.pdf, "reader": reader,
            "pages": [p.extract_text() for p in reader.pages]}


def test_parts_render_matches_the_one_document_reference(builds):
    """Page by page the same words in the same places (leader dots aside: in parts they stop
    where the stamped number begins). The page numbers, stamped at a fixed baseline, sit
    0.72 pt higher than the margin box centres them in the one-document render."""
    results, _facts = builds
    parts, whole = (words(results[mode].pdf) for mode in ("parts", "whole"))
    assert len(parts) == len(whole) >= 8
    assert placement_differences(parts, whole, limit=len(parts)) == []


def test_the_placement_rule_sees_a_moved_word_and_a_changed_one():
    page = [["社区", 10, 700, 40.0, 712.0], ["....", 40, 700, 90.0, 712.0],
            ["3", 95, 700, 100.0, 712.0]]
    nudged = [[t, x, y, right + 0.04, bottom - 0.7] for t, x, y, right, bottom in page]
    assert placement_differences([page], [nudged]) == []
    moved = [page[0], page[1], ["3", 95, 700, 100.2, 712.0]]
    assert placement_differences([page], [moved]) and placement_differences([page], [[]])
    assert placement_differences([page], [page, page]) == ["页数 1 ≠ 2"]


def _cached_parts(storage_dir) -> set[str]:
    return {path.name for path in (storage_dir / "bulletin-cache").glob("*.pdf")}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _outline(reader) -> list[tuple[int, str, int]]:
    """(level, title, 1-based page) for every bookmark."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found


def test_every_chosen_post_appears_and_others_do_not(built):
    text = _flat("".join(built["pages"]))
    for title, sample in built["chosen"]:
        assert _flat(title) in text
        assert _flat(sample) in text
    assert "未入选的稿件标题" not in text
    assert "草稿不应出现" not in text


def test_toc_page_numbers_are_where_articles_start(built):
    _assert_toc_matches_outline(built["reader"], [title for title, _sample in built["chosen"]])


def _assert_toc_matches_outline(reader, titles: list[str]) -> None:
    outline = _outline(reader)
    pages = [page.extract_text() for page in reader.pages]
    toc_index = next(i for i, text in enumerate(pages) if "目录" in _flat(text))
    # Read as laid out on the page: built in parts, the numbers are drawn after the text.
    toc = _flat(reader.pages[toc_index].extract_text(extraction_mode="layout"))
    articles = [(title, page) for level, title, page in outline if level == 2]
    assert [t for t, _ in articles] == titles
    for title, page in articles:
        entry = re.escape(_flat(title)) + r"[^.]*\.{3,}" + str(page) + r"(?!\d)"
        assert re.search(entry, toc), title
        assert _flat(title) in _flat(pages[page - 1])
    for _level, section, page in outline:
        assert _flat(section) in _flat(pages[page - 1])


def test_bookmarks_for_every_section(built):
    sections = [t for level, t, _ in _outline(built["reader"]) if level == 1]
    assert sections == ["编者按", "本期主题", "经验交流", "问题反映与办理", "回头看", "数据"]


def test_only_the_bundled_font_embedded_and_subset(built):
    fonts = set()
    for page in built["reader"].pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, "font not embedded as TrueType"
            assert re.fullmatch(r"/[A-Z]{6}\+.+", font["/BaseFont"]), "font not subset"
            fonts.add(font["/BaseFont"].split("+", 1)[1])
    assert fonts == {"Noto-Serif-SC", "Noto-Serif-SC-Bold"}
    assert len(built["pdf"]) < 2 * 1024 * 1024


def test_metadata_title_author_language(built):
    reader = built["reader"]
    assert reader.metadata.title == "社区警务沙龙专刊 第3期（2026年10月）"
    assert reader.metadata.author == "县公安局治安大队"
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"


def test_cover_running_header_and_page_numbers(built):
    pages = built["pages"]
    total = len(pages)
    assert "社区警务沙龙专刊·第3期" not in _flat(pages[0])
    assert "内部资料" in pages[0] and "签发人：测试leader" in _flat(pages[0])
    assert _flat(pages[0]).count("2026年11月25日") == 1  # the date of 签发, once
    for number, text in enumerate(pages[1:], start=2):
        assert "社区警务沙龙专刊·第3期" in _flat(text)
        assert f"第{number}页/共{total}页" in _flat(text)


def test_lookback_lists_exactly_the_unresolved_earlier_problems(built):
    # The closing pages flow: the open items' table ends where the next list begins.
    whole = _flat("".join(built["pages"]))
    text = whole[whole.index("往期问题尚未办结"):whole.index("上期以来办结")]
    listed = re.findall(r"第\d期(第.期遗留：[^城消治交]+)", text)
    assert sorted(listed) == sorted(built["open_old"])
    assert f"共{len(built['open_old'])}项" in text
    for absent in ("已办结：校门口护学岗", "已确认：菜场秩序", "不予采纳：增设派出所",
                   "下一期的问题", "学校周边交通拥堵"):
        assert absent not in text
    # Opened 2026-08-06, past its 10-01 deadline on 11-25: overdue after 111 days.
    assert "城关派出所已交办（已超期）111天" in text
    assert "消防大队办理中80天" in text


def test_problem_handling_and_attendance(built):
    text = _flat("".join(built["pages"]))
    for fragment in ("办理中", "交警大队", "请交警大队牵头，一周内拿出方案。", "已增设临时护学岗。",
                     "新增护学岗：4个", "典型经验", "报：", "共印120份"):
        assert _flat(fragment) in text
    assert re.search(r"城关派出所11测试officer", text)


def test_toc_entries_link_to_where_articles_start(built):
    """Built in parts too, each TOC entry is a link to its section or article."""
    reader = built["reader"]
    toc = next(i for i, p in enumerate(built["pages"]) if "目录" in _flat(p))
    names = []  # an entry's boxes each carry its link: one name per entry, in order
    for annot in reader.pages[toc].get("/Annots", []):
        annot = annot.get_object()
        assert "bulletin-toc:" not in str(annot.get("/A", {}).get("/URI", ""))
        if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
            names.append(str(annot["/Dest"]))
    targets = [reader.get_destination_page_number(reader.named_destinations[name]) + 1
               for name in dict.fromkeys(names)]
    assert targets == [page for _level, _title, page in _outline(reader)]


@pytest.mark.parametrize("built", ["parts"], indirect=True)  # one-document mode has no parts
def test_rebuild_after_one_change_lays_out_only_that_part(built):
    rendered, cached = built["first_parts"]
    assert cached == 0 and rendered >= 4
    again = built["rebuilt"]
    assert again.rendered == 1 and again.cached >= rendered - 1
    reader = PdfReader(BytesIO(again.pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "补充一段新的做法" in _flat(text)
    # The change added a page: the contents (reused from the cache) show the moved numbers.
    assert again.pages == len(built["pages"]) + 1
    _assert_toc_matches_outline(reader, [title for title, _sample in built["chosen"]])


@pytest.mark.parametrize("built", ["parts"], indirect=True)
def test_parts_cache_keeps_only_recent_builds(built):
    """With BULLETIN_CACHE_BUILDS=1 the changed article's old part is deleted on rebuild."""
    first, second = built["cache"]
    assert len(first) == len(second) >= 4
    assert len(first - second) == 1 and len(second - first) == 1


def test_prune_keeps_the_parts_of_the_last_builds(tmp_path):
    from salon.bulletin.render.parts import CACHE_PREFIX, prune_cache
    from salon.storage import FileStorage

    files = FileStorage(tmp_path)
    key = {name: name * 64 for name in "abcd"}

    def cache(*names):
        for name in names:
            files.put(f"{CACHE_PREFIX}{key[name]}.pdf", b"%PDF", "application/pdf")
            files.put(f"{CACHE_PREFIX}{key[name]}.json", b"{}", "application/json")

    cache("a", "b", "c")
    files.put(f"{CACHE_PREFIX}other-1.json", b"{}", "application/json")
    prune_cache(files, [key["a"], key["b"]], builds=2)
    assert not files.exists(f"{CACHE_PREFIX}{key['c']}.pdf")  # used by no recent build
    cache("d")
    prune_cache(files, [key["b"], key["d"]], builds=2)
    assert files.exists(f"{CACHE_PREFIX}{key['a']}.json")  # still one of the last two builds
    prune_cache(files, [key["d"]], builds=2)
    left = files.keys(CACHE_PREFIX)
    assert left == sorted([f"{CACHE_PREFIX}{key[n]}.{ext}" for n in "bd" for ext in ("json", "pdf")]
                          + [f"{CACHE_PREFIX}recent-builds.json", f"{CACHE_PREFIX}other-1.json"])


@pytest.mark.parametrize("mode", ["parts", "whole"])
def test_a_finished_bulletin_is_stamped_without_laying_it_out_again(builds, mode):
    """What a per-reader copy needs: new text, in glyphs the bulletin did not use yet, drawn
    on every page of an existing PDF; every word already there stays where it was."""
    from salon.bulletin.render.pipeline import Stamp, stamp

    original = builds[0][mode].pdf
    pages = len(PdfReader(BytesIO(original)).pages)
    marks = [Stamp(page, "仅供鑫淼阅读·编号0007", 40, 12, 8) for page in range(pages)]
    stamped = stamp(original, marks)
    before, after = words(original), words(stamped)
    assert len(after) == len(before) == pages
    height = float(PdfReader(BytesIO(original)).pages[0].mediabox.height)
    for old, new in zip(before, after, strict=True):
        drawn = [w for w in new if w[2] > height - 24]  # the stamp's line, 12 pt up
        assert "".join(w[0] for w in drawn) == "仅供鑫淼阅读·编号0007"
        assert sorted(w for w in new if w not in drawn) == sorted(old)
    assert len(stamped) < len(original) * 1.5


def test_page_contents_are_indirect_streams(built):
    """A stream is always an indirect object (PDF 7.3.8): the joined pages' stamps are too."""
    from pypdf.generic import ArrayObject, IndirectObject

    for page in built["reader"].pages:
        contents = page.raw_get("/Contents")
        items = contents.get_object() if isinstance(contents.get_object(), ArrayObject) \
            else [contents]
        assert all(isinstance(item, IndirectObject) for item in items)
