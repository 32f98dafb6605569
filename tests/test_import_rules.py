"""The dependency rules of ARCHITECTURE.md, read from the import graph of the source (every import statement,
including those inside functions and under TYPE_CHECKING).

- `handlers/` and `schedules/` are imported only by the composition root (COMPOSITION_ROOT);
- no import cycle among our modules;
- a domain module of `bot/` (anything outside COMPOSITION_ROOT, `bot/blocks/` and `bot/surfaces/`) imports neither
  `bot/blocks/` nor `bot/surfaces/`; `bot/blocks/` does not import `bot/surfaces/`;
- `storage/` imports nothing of ours;
- no `handlers/` module imports another `handlers/` module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "schedules", "storage")
# The modules that wire listeners and jobs together and start the run modes.
COMPOSITION_ROOT = frozenset({"bot.app", "bot.__main__", "bot.runner"})
# Renders Slack surfaces that both listeners and workers refresh (the Home tab, a prompt DM after a click).
SURFACES = "bot.surfaces"

Edge = tuple[str, str]


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules(root: Path = ROOT) -> dict[str, Path]:
    """Our modules by dotted name (Alembic's migrations are scripts Alembic loads, not modules we import)."""
    found = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" not in path.relative_to(root).parts:
                found[module_name(path, root)] = path
    return found


def ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The modules of ours that `name` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if ours(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([node.module] if node.module else [])])
            if not ours(base):
                continue
            for alias in node.names:  # `from bot import answers` imports the module bot.answers
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base


def import_graph(root: Path = ROOT) -> set[Edge]:
    modules = source_modules(root)
    return {(name, target) for name, path in modules.items() for target in imports_of(name, path, modules)}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), or a module importing itself."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def broken_rules(edges: set[Edge]) -> list[str]:
    """Every import that breaks a rule, as `source -> target: rule`."""
    problems = []
    for source, target in sorted(edges):
        rule = None
        if within(source, "storage") and not within(target, "storage"):
            rule = "storage/ imports nothing of ours"
        elif within(source, "handlers") and within(target, "handlers"):
            rule = "a handlers module imports no other handlers module"
        elif target.split(".")[0] in ("handlers", "schedules") and source.split(".")[0] != target.split(".")[0]:
            if source not in COMPOSITION_ROOT:
                rule = f"handlers/ and schedules/ are imported only by the composition root {sorted(COMPOSITION_ROOT)}"
        elif within(source, "bot") and (within(target, "bot.blocks") or within(target, SURFACES)):
            if source in COMPOSITION_ROOT or within(source, SURFACES):
                continue
            if within(source, "bot.blocks") and within(target, "bot.blocks"):
                continue
            rule = "a bot/ domain module does not render: it imports neither bot/blocks/ nor bot/surfaces/"
        if rule:
            problems.append(f"{source} -> {target}: {rule}")
    problems += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(edges)]
    return problems


def test_the_source_keeps_the_dependency_rules() -> None:
    problems = broken_rules(import_graph())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("edge", "rule"),
    [
        (("bot.cohorts", "handlers.home"), "composition root"),
        (("bot.web", "schedules.sender"), "composition root"),
        (("bot.members", "bot.blocks.welcome"), "does not render"),
        (("bot.answers", "bot.surfaces.home"), "does not render"),
        (("bot.blocks.home", "bot.surfaces.home"), "does not render"),
        (("storage.models", "bot.settings"), "storage/ imports nothing"),
        (("handlers.events", "handlers.home"), "no other handlers module"),
        (("handlers.events", "schedules.sender"), "composition root"),
        (("schedules.jobs", "handlers.summary"), "composition root"),
    ],
)
def test_each_rule_names_a_bad_import(edge: Edge, rule: str) -> None:
    problems = broken_rules({edge})
    assert len(problems) == 1 and rule in problems[0]


def test_allowed_imports_pass() -> None:
    allowed = {
        ("bot.app", "handlers.home"),
        ("bot.runner", "schedules.scheduler"),
        ("handlers.home", "bot.blocks.home"),
        ("bot.surfaces.home", "bot.blocks.home"),
        ("bot.blocks.status", "bot.status"),
        ("schedules.sender", "storage.models"),
    }
    assert broken_rules(allowed) == []


def test_a_cycle_is_found_even_through_a_function_level_import(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    for package in PACKAGES[1:]:
        (tmp_path / package).mkdir()
    (tmp_path / "bot" / "__init__.py").write_text("")
    (tmp_path / "bot" / "a.py").write_text("from bot import b\n")
    (tmp_path / "bot" / "b.py").write_text("def late():\n    from bot.a import thing\n")
    edges = import_graph(tmp_path)
    assert edges == {("bot.a", "bot.b"), ("bot.b", "bot.a")}
    assert broken_rules(edges) == ["import cycle: bot.a -> bot.b"]
