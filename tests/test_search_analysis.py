"""The Chinese analysis chain and the query syntax, without the app."""
import pytest

from salon.search import analysis
from salon.search.engine import GramTokenizer, SegmentTokenizer
from salon.search.query import parse


def test_fold_turns_traditional_into_simplified_keeping_length():
    text = "社區警務室的監控與巡邏"
    folded = analysis.fold(text)
    assert folded == "社区警务室的监控与巡逻"
    assert len(folded) == len(text)


def test_policing_dictionary_keeps_terms_whole_and_still_yields_their_parts():
    found = [w for w, _s, _e in analysis.words("社区民警在社区警务室开展一标三实工作")]
    assert "社区民警" in found and "民警" in found
    assert "警务室" in found and "一标三实" in found


def test_words_drop_punctuation_line_ends_and_stop_words():
    found = [w for w, _s, _e in analysis.words("民警的\r\n工作，做了。")]
    assert found == ["民警", "工作", "做"]


def test_segment_tokenizer_positions_are_sequential_and_offsets_point_at_the_original():
    text = "社區民警，ABC"
    tokens = [(t.text, t.pos, t.startchar, t.endchar)
              for t in SegmentTokenizer()(text, positions=True, chars=True)]
    assert [t[1] for t in tokens] == list(range(len(tokens)))
    for word, _pos, start, end in tokens:
        assert analysis.fold(text[start:end]).lower() == word


def test_bigrams_cover_every_substring_of_two_characters():
    text = "居民警惕，社區"
    grams = {g for g, _s, _e in analysis.grams(text)}
    assert {"居民", "民警", "警惕", "社区", "惕", "区"} <= grams
    tokens = [(t.text, t.pos) for t in GramTokenizer()(text, positions=True)]
    assert ("民警", 1) in tokens and ("社区", 5) in tokens


def test_dictionary_version_reads_the_version_line():
    assert analysis.dictionary_version().startswith("1-")


@pytest.mark.parametrize("typed, required, excluded", [
    ("监控 巡防", ("监控", "巡防"), ()),
    ("社區民警", ("社区民警",), ()),
    ('"矛盾纠纷" -电诈', ("矛盾纠纷",), ("电诈",)),
    ("“枫桥经验”", ("枫桥经验",), ()),
    ('"unbalanced', ("unbalanced",), ()),
    ("- -- \" ' ", (), ()),
    ("！" * 1000, (), ()),
    ("-监控", (), ("监控",)),
])
def test_query_syntax(typed, required, excluded):
    parsed = parse(typed)
    assert parsed.required == required
    assert parsed.excluded == excluded
