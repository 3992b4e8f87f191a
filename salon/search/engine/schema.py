"""What the index stores: the tokenizers, the schema, and a post's document.

Whoosh pickles the schema, tokenizers included, into every index by their class's import
path. The tokenizers keep the path `salon.search.engine.*` they have always had (re-exported
by the package), so indexes written before and after this module existed open alike.
"""
from whoosh import columns, fields
from whoosh.analysis import Token, Tokenizer

from .. import analysis

PICKLED_AT = "salon.search.engine"


class SegmentTokenizer(Tokenizer):
    """Folded, search-mode segmented words with sequential positions and character offsets."""

    __module__ = PICKLED_AT

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (word, start, end) in enumerate(analysis.words(value), start_pos):
            token.text, token.boost, token.stopped = word, 1.0, False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class GramTokenizer(Tokenizer):
    """Han bigrams positioned at their character offset, so consecutive bigrams = a substring."""

    __module__ = PICKLED_AT

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for gram, start, end in analysis.grams(value):
            token.text, token.boost, token.stopped = gram, 1.0, False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + start
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def schema() -> fields.Schema:
    """Segmented fields rank; the bigram field `grams` (title, tags, body) guarantees recall."""
    words = SegmentTokenizer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True, sortable=True),
        kind=fields.ID(sortable=True),
        status=fields.ID(sortable=True),
        state=fields.ID(sortable=True),
        salon=fields.ID(sortable=True),
        unit=fields.ID(sortable=True),
        author=fields.ID(),
        author_id=fields.ID(sortable=True),
        created=fields.NUMERIC(bits=64, sortable=True),
        tags=fields.COLUMN(columns.VarBytesColumn()),
        sig=fields.COLUMN(columns.VarBytesColumn()),
        title=fields.TEXT(analyzer=words, field_boost=3.0, phrase=False),
        body=fields.TEXT(analyzer=words, phrase=False),
        tagwords=fields.TEXT(analyzer=words, field_boost=2.0, phrase=False),
        grams=fields.TEXT(analyzer=GramTokenizer(), phrase=True),
    )


def to_document(post: dict) -> dict:
    """Whoosh field values for one post given as a plain dict (see documents.post_document)."""
    tags = post["tags"]
    return {
        "id": str(post["id"]),
        "kind": post["kind"],
        "status": post["status"],
        "state": post["state"] or "",
        "salon": post["salon"] or "",
        "unit": post["unit"] or "",
        "author": post["author"] or "",
        "author_id": str(post["author_id"]),
        "created": post["created"],
        "tags": "\x1f".join(tags).encode(),
        "sig": post["sig"].encode(),
        "title": post["title"],
        "body": post["body"],
        "tagwords": " ".join(tags),
        "grams": "\n".join([post["title"], " ".join(tags), post["body"]]),
    }
