"""The package's shape: no import cycle between modules, no module over 400 lines."""
import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "salon"
MAX_LINES = 400

def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def is_type_checking(node: ast.If) -> bool:
    """`if TYPE_CHECKING:` blocks name types for annotations; they import nothing at run time."""
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules this module imports, at its top or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def add(target: str) -> None:
        # `from salon.x import y` imports salon.x.y when that is a module, else salon.x.
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return found


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imported(name, path, known) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def test_no_import_cycles():
    """A cycle hides which module really depends on which, and breaks on a reordering."""
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" ↔ ".join(sorted(g)) for g in found)


# Modules that sit above the features: only the app factory (and each other) may import them.
APP_LEVEL = ("salon.features", "salon.demo", "salon.backup")


def test_features_do_not_import_the_app_level_modules():
    """A feature that registered `flask demo` or `flask backup` hid who depends on whom."""
    graph = import_graph()
    wrong = sorted(f"{name} → {target}" for name, targets in graph.items()
                   for target in targets
                   if target in APP_LEVEL and name not in (*APP_LEVEL, "salon"))
    assert not wrong, wrong


def test_posts_leave_problems_to_follow_them():
    """Problems react to a post's submission; posts read no more than problems' constants."""
    graph = import_graph()
    wrong = sorted(f"{name} → {target}" for name, targets in graph.items()
                   if name.startswith("salon.posts") for target in targets
                   if target.startswith("salon.problems") and target != "salon.problems.models")
    assert not wrong, wrong


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [{"a", "b", "c"}]


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_is_short(name):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES})"


# A number followed by a unit of time: "5 ms", "0.15 s", "约 2 秒", "3 seconds".
TIMING = re.compile(r"\d[\d,.]*\s*(?:ms|µs|毫秒|秒|s|sec|seconds?|minutes?|分钟)(?![A-Za-z])")


def docstrings(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.get_docstring(node, clean=False)
            if text:
                yield getattr(node, "lineno", 1), text


def test_docstrings_say_why_and_leave_measured_timings_to_the_readme():
    """A timing measured once goes stale in a docstring; the README and benchmarks/ keep the
    figure with the command that measured it. A duration that is configured belongs to its
    setting or constant."""
    found = [f"{name}:{line}: {match.group(0)}" for name, path in modules().items()
             for line, text in docstrings(path) for match in TIMING.finditer(text)]
    assert not found, found


def test_the_timing_pattern_finds_figures_and_leaves_words_alone():
    assert TIMING.findall("页面 (5 ms at 2,000 posts), 约 0.15 s, 3 seconds, 2 秒")
    assert not TIMING.findall("2 × cores + 1; 128 postings; 3 posts; 20 steps; v2.7 sessions")
