"""fupin's layers: no import cycle between fupin modules, and apps import downward only.

Our own small checker over `ast` (no dependency): every module under fupin/ but migrations and
tests is parsed, every `import`/`from … import` of a fupin module is an edge, at module level
or inside a function (a function-level import is still a dependency, only a later one), and
under `if TYPE_CHECKING:` too (knowing another app's types is knowing the app). Imports by string
(`importlib.import_module(name)`, the CLI's command index) and models named by string
(`"cooperation.LedgerEntry"`) are not seen.

Run it as a script (`python tests/test_layers.py`) for the full list of violations.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fupin"

# Pure packages and modules: no Django, no app. Any room may import them; they import only each
# other (fupin.regions.counties is the place tree's pure half, read by the synthetic province).
PURE = (
    "fupin.policy",
    "fupin.files",
    "fupin.stats",
    "fupin.matching",
    "fupin.checks",
    "fupin.synth",
    "fupin.analytics",
    "fupin.regions.counties",
)

# Project-wide Django helpers that know no app: any app may import them; they import only the
# pure packages and each other.
BASE = (
    "fupin.conf",
    "fupin.csp",
    "fupin.errors",
    "fupin.paging",
    "fupin.rows",
    "fupin.textfields",
)

# The apps and the other rooms, bottom → top: a module may import its own room, PURE, BASE and any
# room in a lower layer; never one in its own layer (siblings do not know each other) or above.
# The order is the one the code already follows: accounts (roles, scope, audit) at the bottom on
# the place tree; fupin.api (the pieces every app's API shares: tokens, errors, parameters,
# paging) on accounts; the registry on those; assistance (帮扶) on the registry; assessments (its
# campaigns, problems and five verification steps, which cooperation's field checks feed) on
# those; the programmes checked by assessments' machinery (exits, monitoring, cooperation) above
# that; then the rooms that drive the apps, and the project's own wiring. Each app's own API is
# in the app (`api`, `api_urls`).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("fupin.regions",),
    ("fupin.accounts",),
    ("fupin.api",),
    ("fupin.registry",),
    ("fupin.assistance",),
    ("fupin.assessments",),
    ("fupin.exits", "fupin.monitoring", "fupin.cooperation"),
    ("fupin.demo", "fupin.testing"),
    ("fupin.cli",),
    ("fupin", "fupin.settings", "fupin.urls", "fupin.wsgi"),
)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported fupin module
    line: int

    def __str__(self) -> str:
        return f"{self.source} → {self.target} (line {self.line})"


def _skipped(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return (
        "migrations" in parts
        or "tests" in parts
        or path.name == "conftest.py"
        or path.name.startswith("test_")
    )


@cache
def modules() -> dict[str, Path]:
    """Every fupin module (dotted name → file), packages under their package's name."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if _skipped(path):
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _known(name: str) -> str | None:
    """The fupin module `name` refers to: itself, or the closest package that holds it."""
    known = modules()
    while name.startswith("fupin"):
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node)
                # `from pkg import sub` imports the submodule; `from mod import name` the module.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base
                    for alias in node.names
                ]
            for target in targets:
                known = _known(target)
                if known and known != module:
                    found.append(Import(module, known, node.lineno))
    return tuple(dict.fromkeys(found))


def cycles() -> list[list[str]]:
    """Every import cycle, one per strongly connected component (Tarjan), as a path a → … → a."""
    graph: dict[str, list[str]] = {name: [] for name in modules()}
    for edge in imports():
        if edge.target not in graph[edge.source]:
            graph[edge.source].append(edge.target)

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(start: str) -> None:
        # Iterative Tarjan: fupin's import chains are deeper than is comfortable for recursion.
        work: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for name in graph:
        if name not in index:
            connect(name)
    return [_cycle_path(graph, set(component)) for component in sorted(components)]


def _cycle_path(graph: dict[str, list[str]], component: set[str]) -> list[str]:
    """One concrete cycle inside a strongly connected component: a shortest way back to its
    first module (breadth-first, staying inside the component)."""
    start = min(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in graph[node]:
                if child not in component:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"not a cycle: {sorted(component)}")


def room(module: str) -> str:
    """The room a module belongs to, the longest declared name that holds it:
    `fupin.registry.models` → `fupin.registry`, `fupin.regions.counties` → itself. A module in no
    declared room is its own top-level package (`fupin.newthing.x` → `fupin.newthing`)."""
    declared = [*PURE, *BASE, *(name for rooms in LAYERS for name in rooms)]
    holders = [n for n in declared if module == n or module.startswith(n + ".")]
    holders = [n for n in holders if n != "fupin" or module == "fupin"]
    if holders:
        return max(holders, key=len)
    return ".".join(module.split(".")[:2])


def layer(name: str) -> int | None:
    for height, rooms in enumerate(LAYERS):
        if name in rooms:
            return height
    return None


def upward_imports() -> list[Import]:
    """Imports against the order: of a room in the importer's own layer or above, of an app by
    a pure package or a BASE helper, and by fupin.accounts of any app but fupin.regions."""
    found = []
    for edge in imports():
        source, target = room(edge.source), room(edge.target)
        if source == target or target in PURE:
            continue
        if source in PURE:
            found.append(edge)  # a pure package imports only pure packages
        elif source in BASE:
            if target not in BASE:
                found.append(edge)
        elif target in BASE:
            continue
        elif source == "fupin.accounts" and target != "fupin.regions":
            found.append(edge)
        else:
            low, high = layer(source), layer(target)
            if low is not None and high is not None and high >= low:
                found.append(edge)
    return found


def unplaced_rooms() -> list[str]:
    """Rooms (top-level packages and modules of fupin) in neither PURE, BASE nor LAYERS: every
    room must have a place, or the rules would silently let its imports through."""
    return sorted(
        {
            room(name)
            for name in modules()
            if room(name) not in PURE and room(name) not in BASE and layer(room(name)) is None
        }
    )


def _report(title: str, lines: list[str]) -> str:
    return f"{title} ({len(lines)}):\n" + "\n".join(f"  {line}" for line in lines)


# --- the tests ---------------------------------------------------------------------------------


def test_the_checker_sees_fupins_modules_and_imports():
    names = modules()
    assert "fupin.accounts.scoping" in names
    assert not any(".migrations." in name or ".tests." in name for name in names)
    assert any(edge.source.startswith("fupin.registry.") for edge in imports())


def test_the_cycle_finder_finds_a_planted_cycle(monkeypatch):
    planted = (
        Import("fupin.registry.selectors", "fupin.registry.aggregates", 1),
        Import("fupin.registry.aggregates", "fupin.registry.models", 1),
        Import("fupin.registry.models", "fupin.registry.selectors", 1),
    )
    monkeypatch.setattr(sys.modules[__name__], "imports", lambda: planted)
    assert cycles() == [
        [
            "fupin.registry.aggregates",
            "fupin.registry.models",
            "fupin.registry.selectors",
            "fupin.registry.aggregates",
        ]
    ]


def test_the_layer_rule_refuses_a_planted_upward_import(monkeypatch):
    planted = (
        Import("fupin.accounts.scoping", "fupin.registry.models", 7),
        Import("fupin.accounts.scoping", "fupin.regions.models", 8),
        Import("fupin.registry.selectors", "fupin.exits.models", 9),
        Import("fupin.exits.selectors", "fupin.registry.selectors", 10),
        Import("fupin.stats.design", "fupin.paging", 11),
    )
    monkeypatch.setattr(sys.modules[__name__], "imports", lambda: planted)
    assert upward_imports() == [planted[0], planted[2], planted[4]]


def test_no_import_cycle_between_fupin_modules():
    found = cycles()
    assert not found, _report("import cycles", [" → ".join(cycle) for cycle in found])


def test_accounts_imports_no_fupin_app_but_regions():
    found = [str(edge) for edge in upward_imports() if room(edge.source) == "fupin.accounts"]
    assert not found, _report("fupin.accounts imports an app other than fupin.regions", found)


def test_apps_import_downward_only():
    found = [str(edge) for edge in upward_imports()]
    order = " → ".join("/".join(rooms) for rooms in LAYERS)
    assert not found, _report(f"imports against the layer order {order}", found)


def test_every_room_has_a_place():
    found = unplaced_rooms()
    assert not found, _report("rooms in neither PURE, BASE nor LAYERS", found)


if __name__ == "__main__":
    for cycle in cycles():
        print("cycle:", " → ".join(cycle))
    for edge in upward_imports():
        print("upward:", edge)
    for name in unplaced_rooms():
        print("unplaced:", name)
