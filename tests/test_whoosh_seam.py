"""The Whoosh seam: a Whoosh upgrade that breaks one of its patches or private reads fails here.

Each private read is checked against Whoosh's own public answer on a real index, and each
patch against the behaviour it replaces, so the seam stays a speed-up and never a change.
"""
import pickle
import subprocess
import sys
from io import BytesIO

import pytest
import whoosh
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.filedb import structfile

from salon.extensions import db
from salon.search import sync
from salon.search.engine import GramTokenizer, SegmentTokenizer, whoosh_seam
from salon.search.engine.schema import schema

from .search_helpers import make_post


def test_whoosh_is_a_version_the_seam_was_checked_on():
    """On an unchecked version the patches stay off (search is slower): review the internals
    used in engine/whoosh_seam.py against the new Whoosh, then add it to CHECKED."""
    assert tuple(whoosh.__version__[:3]) in whoosh_seam.CHECKED
    assert whoosh_seam.SUPPORTED


def test_patches_are_applied_at_start_up_not_on_import():
    code = ("import salon.search.engine as e; from salon.search.engine import whoosh_seam as s; "
            "assert not s.installed(), 'patched on import'; "
            "from salon import create_app; create_app({'SECRET_KEY': 'x', "
            "'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); assert s.installed(); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_segment_files_are_read_in_place_with_the_same_bytes(app):
    data = bytes(range(256)) * 40 + b"line one\nline two\n"
    patched = structfile.BufferFile(data)
    assert not isinstance(patched.file, BytesIO)  # no private copy of the mapped file
    whoosh_seam.uninstall()
    try:
        original = structfile.BufferFile(data)
        assert isinstance(original.file, BytesIO)
        for file in (patched, original):
            file.seek(10)
        assert patched.read(300) == original.read(300)
        assert patched.read_varint() == original.read_varint()
        patched.seek(len(data) - 18)
        original.seek(len(data) - 18)
        assert patched.file.readline() == original.file.readline() == b"line one\n"
        assert patched.get(5, 20) == original.get(5, 20)
    finally:
        whoosh_seam.install()


@pytest.fixture
def indexed(app):
    for i in range(140):  # more than one 128-posting block per common term
        make_post(f"巡防记录{i}", f"社区民警第{i}次巡防" + "，民警走访" * (i % 4), commit=False)
    db.session.commit()
    doomed = make_post("将被删除", "巡防")
    db.session.delete(doomed)
    db.session.commit()
    return sync.search_index(app).view()


def test_private_reads_agree_with_whoosh_public_answers(indexed):
    assert indexed.leaves
    for leaf, _offset in indexed.leaves:
        live = set(leaf.all_doc_ids())
        assert whoosh_seam.deleted_docnums(leaf) == set(range(leaf.doc_count_all())) - live
        for field in ("title", "body", "grams"):
            column = whoosh_seam.length_column(leaf, field)
            assert [column[d] and whoosh_seam.byte_lengths()[column[d]] for d in sorted(live)] \
                == [leaf.doc_field_length(d, field, 0) for d in sorted(live)]
    with sync.search_index().writer(5) as writer:
        assert writer is not None
    segments = sync.search_index().segments()
    assert sum(s.doc_count_all() for s in segments) == sum(
        leaf.doc_count_all() for leaf, _o in indexed.leaves)


def test_field_length_patch_agrees_with_whoosh(indexed):
    leaf = indexed.leaves[0][0]
    perdoc = leaf._perdoc
    assert isinstance(perdoc, W3PerDocReader)
    patched = [perdoc.doc_field_length(d, "body") for d in range(leaf.doc_count_all())]
    original = [whoosh_seam._ORIGINAL["doc_field_length"](perdoc, d, "body")
                for d in range(leaf.doc_count_all())]
    assert patched == original and any(patched)


def test_tokenizers_are_pickled_where_existing_indexes_look_for_them():
    for tokenizer in (SegmentTokenizer(), GramTokenizer()):
        data = pickle.dumps(tokenizer)
        assert b"salon.search.engine\x94" in data
        assert type(pickle.loads(data)) is type(tokenizer)
    assert pickle.loads(pickle.dumps(schema())).names() == schema().names()
