"""The search engine: Whoosh storage, facts columns, query evaluation. No Flask, no database.

- `whoosh_seam`: every use of Whoosh's private parts, and the patches `install()` applies;
- `schema`: tokenizers, schema and a post's document (pickled as `salon.search.engine.*`);
- `folders`: the index folder's id and change-log state, and the swap after a rebuild;
- `index`: a process's handle on the index (views, writer) and the merge policy;
- `segments`, `facts`, `view`: what is read per segment, and one index version's arrays;
- `evaluate`: matching, facets, ranking and order over a view.
"""
from .schema import GramTokenizer, SegmentTokenizer
from .whoosh_seam import install

__all__ = ["GramTokenizer", "SegmentTokenizer", "install"]
