"""The layering docs/architecture.md describes: apikit knows nothing of the domain, and no two project modules
import each other at load time."""

import ast
from pathlib import Path

from django.conf import settings

PACKAGES = ("apikit", "events", "diplomacy", "bench")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (settings.BASE_DIR / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(settings.BASE_DIR).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_apikit_imports_nothing_from_the_domain():
    for name, path in modules().items():
        if name.startswith("apikit"):
            domain = {imported for imported in imports(path, top_level_only=False) if imported.startswith("events")}
            assert not domain, f"{name} imports {sorted(domain)}"


def test_no_import_circles_between_project_modules():
    known = modules()
    graph = {
        name: {imported for imported in imports(path, top_level_only=True) if imported in known and imported != name}
        for name, path in known.items()
    }
    visiting, done = [], set()

    def visit(name):
        if name in done:
            return
        assert name not in visiting, "import circle: " + " -> ".join([*visiting[visiting.index(name) :], name])
        visiting.append(name)
        for imported in graph[name]:
            visit(imported)
        visiting.pop()
        done.add(name)

    for name in graph:
        visit(name)
    assert len(done) == len(known) > 40
