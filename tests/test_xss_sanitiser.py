"""Every payload of the XSS list through the Markdown renderer and the plain-text excerpt."""
import pytest
from markupsafe import escape

from salon.markup import render

from .xss import MARKDOWN_TRICKS, all_payloads, unsafe_markup

pytestmark = pytest.mark.slow


def test_the_payload_list_is_all_there():
    payloads = all_payloads()
    assert len(payloads) >= 6_613 + len(MARKDOWN_TRICKS) - 5   # a few lines are blank


def test_no_payload_survives_markdown_rendering():
    """Bodies, comments, editor's notes, salon descriptions: Markdown rendered and sanitised."""
    survivors = {}
    for payload in all_payloads():
        for text in (payload, f"* 列表 {payload}"):
            problems = unsafe_markup(render(text).html)
            if problems:
                survivors[text] = problems
    assert not survivors, list(survivors.items())[:5]


def test_no_payload_survives_the_excerpt_as_templates_print_it():
    """Titles, tags, names and excerpts are printed escaped: nothing becomes markup."""
    survivors = [p for p in all_payloads() if unsafe_markup(str(escape(render(p).text)))
                 or unsafe_markup(str(escape(p)))]
    assert not survivors, survivors[:5]
