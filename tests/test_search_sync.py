"""Keeping the index true: rollbacks, deletes, locks, several processes, a crash."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from flask import has_request_context

from salon.extensions import db
from salon.posts.models import Post
from salon.search import catch_up, rebuild, services, sync
from salon.search.engine import folders, index
from salon.search.freshness import stop_background
from salon.search.models import SearchChange

from .search_helpers import make_post, tag

ROOT = Path(__file__).resolve().parent.parent


def found(text: str, user_id: int | None = None) -> set[int]:
    return {hit.post.id for hit in services.search(text, user_id, per_page=50).hits}


def test_a_commit_reaches_the_index_without_a_manual_step(app):
    post = make_post("警务室值班制度", "二十四小时值班。")
    assert found("警务室") == {post.id}


def test_a_rollback_never_reaches_the_index(app):
    make_post("已提交的巡防经验", "巡防")
    post = make_post("回滚的巡防稿件", "巡防", commit=False)
    db.session.flush()
    assert post.id is not None
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(SearchChange)) == 1
    assert sync.pending(app) == 0
    catch_up(app)
    assert [title for _id, title in titles()] == ["已提交的巡防经验"]


def titles():
    view = sync.search_index().view()
    return sorted((pid, db.session.get(Post, pid).title) for pid, _sig in view.all_ids())


def test_edit_and_delete_follow_the_database(app):
    post = make_post("原来的标题", "社区民警")
    post.title = "新的标题：矛盾纠纷调解"
    db.session.commit()
    assert found("矛盾纠纷") == {post.id}
    assert found("原来") == set()
    db.session.delete(post)
    db.session.commit()
    assert found("矛盾纠纷") == set()
    assert list(sync.search_index().view().all_ids()) == []


def test_renaming_a_tag_reindexes_its_posts(app):
    post = make_post("一篇稿件", "正文", tags=("旧标签",))
    tag("旧标签").name = "电信诈骗"
    db.session.commit()
    assert found("电信诈骗") == {post.id}


def test_a_comment_logs_no_change_but_a_tag_does(app):
    """A comment leaves what the index holds of its post unchanged, so nothing is written;
    the post's tags are indexed, so changing them is logged and found."""
    from salon.posts.services import add_comment

    post = make_post("巡防经验", "社区民警", tags=("巡防",))

    def logged() -> int:
        return db.session.scalar(db.select(db.func.count()).select_from(SearchChange))

    before = logged()
    assert post.comments == []  # loaded, as the post page loads them before a comment
    add_comment(post, post.author, "学习了。")
    db.session.commit()
    assert logged() == before
    post.tags.append(tag("矛盾调解"))
    db.session.commit()
    assert logged() == before + 1
    assert found("矛盾调解") == {post.id}
    post.exemplary = True  # not indexed, but a column: logged all the same (cheap to replay)
    db.session.commit()
    assert logged() == before + 2


def test_a_locked_index_never_fails_the_request_and_catches_up(app, client, auth):
    handle = sync.search_index(app)
    make_post("先建索引", "内容")
    with handle.writer(timeout=1) as held:
        assert held is not None
        post = make_post("锁住时提交的稿件", "群防群治")  # commit succeeds though the lock is taken
        assert sync.pending(app) == 1
    assert catch_up(app) == 1
    assert found("群防群治") == {post.id}


def test_the_retry_timer_applies_changes_skipped_for_the_lock(app):
    app.config["SEARCH_RETRY_DELAY"] = 0.2
    handle = sync.search_index(app)
    make_post("先建索引", "内容")
    with handle.writer(timeout=1):
        make_post("等待重试的稿件", "枫桥经验")
    import time

    deadline = time.monotonic() + 10
    while sync.pending(app) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sync.pending(app) == 0


def test_a_failing_index_never_fails_the_commit(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sync, "catch_up", broken)
    app.config["SEARCH_RETRY_DELAY"] = 60
    post = make_post("索引坏了也能保存", "内容")
    assert db.session.get(Post, post.id) is not None
    monkeypatch.undo()
    catch_up(app)
    assert found("保存") == {post.id}


def worker_env(app) -> dict:
    return {**os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SALON_INSTANCE_PATH": app.instance_path,
            "SALON_SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
            "SALON_SECRET_KEY": "test"}


@pytest.mark.slow
def test_several_processes_writing_at_once_lose_nothing(app, runner):
    make_post("先建索引", "内容")  # the index exists before the workers race
    workers = [subprocess.Popen([sys.executable, "-m", "tests.search_worker", f"进程{n}", "8"],
                                cwd=ROOT, env=worker_env(app), stdout=subprocess.PIPE, text=True)
               for n in range(3)]
    committed = set()
    for worker in workers:
        out, _ = worker.communicate(timeout=240)
        assert worker.returncode == 0
        committed |= {int(line) for line in out.split()}
    assert len(committed) == 24
    catch_up(app)
    assert found("并发写入测试") == committed
    view = sync.search_index(app).view()
    assert committed <= {pid for pid, _sig in view.all_ids()}
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_a_process_killed_mid_write_loses_nothing_committed(app, runner):
    make_post("先建索引", "内容")
    worker = subprocess.Popen([sys.executable, "-m", "tests.search_worker", "被杀", "500"],
                              cwd=ROOT, env=worker_env(app), stdout=subprocess.PIPE, text=True)
    committed = set()
    for line in worker.stdout:
        committed.add(int(line))
        if len(committed) == 6:
            os.kill(worker.pid, signal.SIGKILL)
            break
    worker.wait(timeout=30)
    committed |= {int(line) for line in worker.stdout.read().split()}
    worker.stdout.close()
    db.session.remove()
    in_database = set(db.session.scalars(db.select(Post.id).where(Post.title.like("被杀%"))))
    assert committed <= in_database
    catch_up(app)
    view = sync.search_index(app).view()
    assert in_database <= {pid for pid, _sig in view.all_ids()}
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output


def test_an_empty_index_is_searched_and_checked(app, runner):
    runner.invoke(args=["search", "reindex"])
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    result = runner.invoke(args=["search", "query", "民警", "--json"])
    assert result.exit_code == 0 and result.output.strip() == "[]"


def test_check_lists_differences_and_exits_non_zero(app, runner):
    post = make_post("会被悄悄删掉的索引条目", "内容")
    with sync.search_index(app).writer(timeout=5) as writer:
        writer.delete_by_term("id", str(post.id))
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"缺失：稿件 {post.id} 不在索引中" in result.output
    runner.invoke(args=["search", "reindex"])
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "一致" in result.output


def test_reindex_builds_aside_and_a_failed_build_keeps_the_old_index(app, runner, monkeypatch):
    post = make_post("重建前的稿件", "警务室")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "1 篇" in result.output
    assert found("警务室") == {post.id}

    def broken(*_args, **_kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(index, "bulk_writer", broken)
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code != 0
    assert found("警务室") == {post.id}
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    assert [p.name for p in folder.parent.iterdir() if ".new-" in p.name] == []


def test_a_new_dictionary_version_triggers_a_rebuild_outside_a_request(app, monkeypatch):
    make_post("社区民警", "内容")
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    old_id = folders.read_index_id(folder)
    monkeypatch.setattr("salon.search.analysis.dictionary_version", lambda: "2-test")
    assert sync.needs_rebuild(sync.search_index(app))
    services.search("民警", None)
    assert folders.read_index_id(folder) != old_id
    assert folders.read_state(folder)["dictionary"] == "2-test"


def test_query_command_prints_json(app, runner):
    post = make_post("社区警务室建设", "在警务室值班")
    result = runner.invoke(args=["search", "query", "警務室", "--json", "--limit", "3"])
    assert result.exit_code == 0
    import json

    hits = json.loads(result.output)
    assert [h["id"] for h in hits] == [post.id]
    assert set(hits[0]) == {"id", "kind", "title", "score", "snippet"}
    result = runner.invoke(args=["search", "query", "警务室"])
    assert "【警务室】" in result.output and "共 1 篇" in result.output


def test_reindex_function_is_exposed_for_backup_and_restore(app):
    post = make_post("恢复备份后", "一标三实")
    with sync.search_index(app).writer(timeout=5) as writer:
        writer.delete_by_term("id", str(post.id))
    assert rebuild.reindex(app) == 1
    assert found("一标三实") == {post.id}


def segment_sizes(app) -> list[int]:
    handle = sync.search_index(app)
    with handle.writer(5) as writer:  # read the TOC under the lock; commits nothing new
        assert writer is not None
    return sorted(s.doc_count_all() for s in handle.segments())


def test_commits_merge_small_segments_but_never_a_rebuilds(app, monkeypatch):
    """A request's commit merges only tiny segments; a rebuild's segments are never rewritten
    by it (Whoosh's default policy would merge them inside some later request)."""
    monkeypatch.setattr(index, "ROUND_DOCS", 4)
    monkeypatch.setattr(index, "TINY", 2)  # a request merges one-post segments only
    # Background retries merge larger tiers (below MERGE_BELOW), rebuilt segments of 4 posts
    # included: keep them out of this test of what the requests' own commits do.
    app.config["SEARCH_RETRY_DELAY"] = 600
    for i in range(12):
        make_post(f"批量稿件{i}", "社区民警走访。", commit=False)
    db.session.commit()
    rebuild.reindex(app, procs=1)
    assert segment_sizes(app) == [4, 4, 4]
    posts = [make_post(f"新稿件{i}", "巡防") for i in range(index.MERGE_AT + 2)]
    sizes = segment_sizes(app)
    assert sizes.count(4) == 3                      # the rebuild's segments stay whole
    assert len(sizes) < 3 + len(posts)              # the one-post segments were merged
    assert sum(sizes) == 12 + len(posts)
    assert found("巡防") == {p.id for p in posts}


def _recording_builds(monkeypatch, release: threading.Event | None = None) -> list[dict]:
    """Record every full build (in which thread, inside a request or not), optionally holding
    each one until `release` is set."""
    builds, real = [], rebuild._build

    def build(*args, **kwargs):
        builds.append({"in_request": has_request_context(),
                       "thread": threading.current_thread().name})
        if release is not None:
            assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(rebuild, "_build", build)
    return builds


def test_a_dictionary_change_never_rebuilds_in_a_request(app, client, auth, monkeypatch):
    """The request answers from the current index at once; the rebuild runs in the background
    and is swapped in when done."""
    post = make_post("社区民警值班", "警务室")
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    old_id = folders.read_index_id(folder)
    monkeypatch.setattr("salon.search.analysis.dictionary_version", lambda: "2-test")
    release = threading.Event()
    builds = _recording_builds(monkeypatch, release)
    auth.login()
    answer = client.get("/api/search", query_string={"q": "警务室"}).get_json()
    assert [r["id"] for r in answer["results"]] == [post.id]   # the current index, not waiting
    assert folders.read_index_id(folder) == old_id
    later = make_post("重建期间提交的稿件", "警务室", commit=False)
    client.get("/search/", query_string={"q": "警务室"})     # a second request: no second build
    release.set()
    stop_background()
    db.session.commit()
    assert len(builds) == 1 and builds[0]["in_request"] is False
    assert builds[0]["thread"] != threading.current_thread().name
    assert folders.read_index_id(folder) != old_id
    assert folders.read_state(folder)["dictionary"] == "2-test"
    assert found("警务室") == {post.id, later.id}


def test_no_index_yet_a_request_schedules_the_build_and_finds_nothing_meanwhile(
        app, client, auth, monkeypatch):
    post = make_post("建索引之前的稿件", "群防群治")
    sync.search_index(app).close()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    release = threading.Event()
    builds = _recording_builds(monkeypatch, release)
    auth.login()
    answer = client.get("/api/search", query_string={"q": "群防群治"}).get_json()
    assert answer["results"] == [] and answer["total"] == 0
    release.set()
    stop_background()
    assert [b["in_request"] for b in builds] == [False]
    assert found("群防群治") == {post.id}


def test_workers_waiting_for_a_rebuild_do_not_rebuild_again(app, monkeypatch):
    """Three workers find the index needs a rebuild at once: one rebuilds, the others wait for
    the lock, look again, and find it done."""
    make_post("等待重建", "巡防")
    monkeypatch.setattr("salon.search.analysis.dictionary_version", lambda: "3-test")
    release = threading.Event()
    builds = _recording_builds(monkeypatch, release)
    results = []

    def worker():
        with app.app_context():
            results.append(rebuild.rebuild_if_needed(app))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while not builds and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # the other two are now waiting for the lock
    release.set()
    for thread in threads:
        thread.join(30)
    assert len(builds) == 1
    assert sorted(results, key=str) == [1, None, None]
    assert rebuild.rebuild_if_needed(app) is None       # nothing needed now
    assert rebuild.reindex(app) == 1 and len(builds) == 2   # an explicit reindex always builds
