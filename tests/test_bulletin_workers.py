"""The bulletin's render processes: started early for the CLI, C libraries found quickly."""
import ctypes.util
import sys

import pytest

from salon.bulletin.render import workers
from salon.bulletin.render.fonts import quick_library_lookup


@pytest.mark.parametrize("argv, starts", [
    (["flask", "--app", "salon", "bulletin", "build", "2026-10", "-o", "x.pdf"], True),
    (["flask", "bulletin", "build", "--help"], True),
    (["flask", "--app", "salon", "run"], False),
    (["flask", "bulletin"], False),
    (["gunicorn", "salon:create_app()"], False),
])
def test_render_server_starts_early_only_for_bulletin_build(monkeypatch, argv, starts):
    started = []
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(workers, "start_workers", lambda: started.append(True))
    workers.start_early_for_cli()
    assert bool(started) is starts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux's")
def test_quick_library_lookup_finds_what_ctypes_finds_and_misses_fast():
    with quick_library_lookup():
        quick = ctypes.util.find_library
        assert quick("harfbuzz") == "libharfbuzz.so.0"
        assert quick("libharfbuzz-0") is None  # WeasyPrint's first guess; ctypes runs gcc
    assert ctypes.util.find_library is not quick
    assert ctypes.util.find_library("harfbuzz") == "libharfbuzz.so.0"


def test_collector_paused_during_overlapping_joins_and_resumed_after():
    import gc

    from salon.bulletin.render.assemble import collector_paused

    assert gc.isenabled()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other join still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()  # paused by someone else before: left as it was
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
