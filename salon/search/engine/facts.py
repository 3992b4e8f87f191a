"""Per-document facts as arrays indexed by docnum: what filters, facets and visibility read."""
import numpy as np

from .segments import per_segment, segment_readers


class Facts:
    """Post id, kind, status, state, salon, unit, author, created and tags of every document.

    Text facts are stored as codes into one process-wide table (`label`/`code`), so arrays of
    different segments and index versions agree; tags, several per post, are kept as pairs
    (`tag_doc`, `tag_code`).
    """

    CODED = ("kind", "status", "state", "salon", "unit")
    _codes: dict[str, int] = {"": 0}
    _labels: list[str] = [""]

    def __init__(self, arrays: dict[str, np.ndarray], size: int):
        self.arrays, self.size = arrays, size

    @classmethod
    def code(cls, value: str) -> int:
        if value not in cls._codes:
            cls._codes[value] = len(cls._labels)
            cls._labels.append(value)
        return cls._codes[value]

    @classmethod
    def known_code(cls, value: str) -> int:
        """The code of a value, or -1 for one never seen (it matches no document)."""
        return cls._codes.get(value, -1)

    @classmethod
    def label(cls, code: int) -> str:
        return cls._labels[code]

    @classmethod
    def read(cls, reader) -> "Facts":
        size = reader.doc_count_all()

        def column(name):
            return list(reader.column_reader(name)) if reader.has_column(name) else [b""] * size

        arrays = {
            "id": np.array([int(v) if v else 0 for v in column("id")], dtype=np.int64),
            "author_id": np.array([int(v) if v else 0 for v in column("author_id")],
                                  dtype=np.int64),
            "created": np.array(column("created") if reader.has_column("created") else
                                [0] * size, dtype=np.int64),
        }
        for name in cls.CODED:
            arrays[name] = np.array([cls.code(v) for v in column(name)], dtype=np.int32)
        pairs = [(doc, cls.code(tag)) for doc, value in enumerate(column("tags")) if value
                 for tag in value.decode().split("\x1f")]
        arrays["tag_doc"] = np.array([d for d, _ in pairs], dtype=np.int64)
        arrays["tag_code"] = np.array([c for _, c in pairs], dtype=np.int32)
        return cls(arrays, size)

    @classmethod
    def join(cls, parts: list["Facts"]) -> "Facts":
        offsets = np.cumsum([0] + [part.size for part in parts])
        arrays = {}
        for name in parts[0].arrays:
            pieces = [part.arrays[name] for part in parts]
            if name == "tag_doc":
                pieces = [piece + offset for piece, offset in zip(pieces, offsets, strict=False)]
            arrays[name] = np.concatenate(pieces)
        return cls(arrays, int(offsets[-1]))

    @classmethod
    def empty(cls) -> "Facts":
        names = ("id", "author_id", "created", "tag_doc")
        arrays = {name: np.zeros(0, dtype=np.int64) for name in names}
        arrays.update({name: np.zeros(0, dtype=np.int32) for name in (*cls.CODED, "tag_code")})
        return cls(arrays, 0)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def tag_mask(self, code: int) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.arrays["tag_doc"][self.arrays["tag_code"] == code]] = True
        return mask


def read_facts(searcher) -> Facts:
    """Facts for every document, reusing segments already read (most never change)."""
    parts = [per_segment(leaf, "facts", lambda leaf=leaf: Facts.read(leaf))
             for leaf in segment_readers(searcher)]
    return Facts.join(parts) if parts else Facts.empty()
