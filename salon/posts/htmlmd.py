"""HTML → Markdown for what mammoth emits from Word (headings, paragraphs, lists, tables, images).

Small on purpose: it knows mammoth's elements and treats anything else as its text.
"""
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"br", "img", "hr"}
CELLS = ("td", "th")
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "hr"}
_ESCAPE = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+)([.)]?)(?=\s)")


@dataclass
class Node:
    tag: str
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)  # Node or str


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def html_to_markdown(html: str, image_prefix: str = "/uploads/") -> str:
    """Convert mammoth's HTML to Markdown; images other than our uploads are dropped."""
    return _markdown(_tree(html), image_prefix)


def title_and_markdown(html: str, image_prefix: str = "/uploads/") -> tuple[str, str]:
    """A document's title as plain text — its first heading, else its first paragraph with
    text; marks dropped, never an image — and the Markdown of the rest. A heading used as
    the title is not repeated in the body."""
    root = _tree(html)
    title, node = "", None
    for wanted in (HEADINGS, {"p", "li"}):
        node = next((n for n in _blocks_with_text(root) if n.tag in wanted), None)
        if node is not None:
            title = " ".join(_text(node).split())[:200]
            break
    if node is not None and node.tag in HEADINGS and node is next(_blocks_with_text(root)):
        _remove(root, node)
    return title, _markdown(root, image_prefix)


HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _tree(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _markdown(root: Node, image_prefix: str) -> str:
    blocks = _Renderer(image_prefix).blocks(root)
    return "\n\n".join(b for b in blocks if b.strip()).strip() + "\n"


def _blocks_with_text(node: Node):
    """Headings, paragraphs and list items holding text (not only images), in order."""
    for child in node.children:
        if isinstance(child, Node):
            if child.tag in HEADINGS or child.tag in ("p", "li"):
                if _text(child).strip():
                    yield child
            elif child.tag != "table":
                yield from _blocks_with_text(child)


def _remove(root: Node, target: Node) -> None:
    for child in root.children:
        if child is target:
            root.children.remove(child)
            return
        if isinstance(child, Node):
            _remove(child, target)


def _escape(text: str) -> str:
    text = _ESCAPE.sub(r"\\\1", re.sub(r"\s+", " ", text))
    return _LINE_START.sub(_escape_marker, text)


def _escape_marker(match: re.Match) -> str:
    """`- x` and `# x` get a backslash before the marker, `1. x` before the dot."""
    space, marker, dot = match.groups()
    if marker[0].isdigit():
        return space + marker + ("\\" + dot if dot else "")
    return space + "\\" + marker + dot


class _Renderer:
    def __init__(self, image_prefix: str) -> None:
        self.image_prefix = image_prefix

    # -- blocks --
    def blocks(self, node: Node) -> list[str]:
        """The Markdown blocks of a container, with loose inline content as paragraphs."""
        out: list[str] = []
        inline: list = []
        for child in node.children:
            if isinstance(child, Node) and child.tag in BLOCKS:
                self._flush(inline, out)
                out.append(self.block(child))
            else:
                inline.append(child)
        self._flush(inline, out)
        return out

    def _flush(self, inline: list, out: list[str]) -> None:
        text = "".join(self.inline(c) for c in inline).strip()
        if text:
            out.append(text)
        inline.clear()

    def block(self, node: Node) -> str:
        tag = node.tag
        if tag == "p":
            return self.inline_children(node).strip()
        if tag[0] == "h" and tag[1:].isdigit():
            text = self.inline_children(node).strip()
            return f"{'#' * int(tag[1:])} {text}" if text else ""
        if tag in ("ul", "ol"):
            return self.list_block(node)
        if tag == "table":
            return self.table(node)
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(node))
            return "\n".join("> " + line if line else ">" for line in inner.splitlines())
        if tag == "pre":
            code = _text(node).strip("\n")
            return f"```\n{code}\n```"
        return "---"

    def list_block(self, node: Node) -> str:
        items = [c for c in node.children if isinstance(c, Node) and c.tag == "li"]
        lines = []
        for number, item in enumerate(items, start=1):
            marker = f"{number}. " if node.tag == "ol" else "- "
            # One line between an item's parts keeps the list tight and a sub-list nested.
            body = "\n".join(self.blocks(item) or [""])
            indented = body.replace("\n", "\n    ")
            lines.append(marker + indented)
        return "\n".join(lines)

    def table(self, node: Node) -> str:
        grid = [[self.cell(c) for c in row.children if isinstance(c, Node) and c.tag in CELLS]
                for row in _descendants(node, "tr")]
        grid = [row for row in grid if row]
        if not grid:
            return ""
        width = max(len(row) for row in grid)
        grid = [row + [""] * (width - len(row)) for row in grid]
        header, *body = grid
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)

    def cell(self, node: Node) -> str:
        parts = [p.replace("\n", " ") for p in self.blocks(node)]
        return "<br>".join(parts).replace("|", "\\|")

    # -- inline --
    def inline_children(self, node: Node) -> str:
        return "".join(self.inline(c) for c in node.children)

    def inline(self, child) -> str:
        if isinstance(child, str):
            return _escape(child)
        tag, inner = child.tag, None
        if tag == "br":
            return "  \n"
        if tag == "img":
            src = child.attrs.get("src", "")
            alt = _escape(child.attrs.get("alt", "").replace("\n", " ")) or "图片"
            return f"![{alt}]({src})" if src.startswith(self.image_prefix) else ""
        inner = self.inline_children(child)
        if not inner.strip():
            return inner
        if tag in ("strong", "b"):
            return f"**{inner}**"
        if tag in ("em", "i"):
            return f"*{inner}*"
        if tag in ("s", "del", "sup", "sub"):
            tag = "del" if tag == "s" else tag
            return f"<{tag}>{inner}</{tag}>"
        if tag == "a":
            href = child.attrs.get("href", "")
            if href and not href.startswith("#") and not re.search(r"[\s()]", href):
                return f"[{inner}]({href})"
        return inner


def _descendants(node: Node, tag: str):
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                yield child
            elif child.tag != "table":
                yield from _descendants(child, tag)


def _text(node: Node) -> str:
    return "".join(c if isinstance(c, str) else _text(c) for c in node.children)
