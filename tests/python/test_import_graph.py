"""No import cycles in the package: every `import` of every module of `lifecycle`, function-level
ones included (a cycle hidden inside a function still couples the two modules), read with ast."""

from __future__ import annotations

import ast
from pathlib import Path

import lifecycle

PACKAGE = Path(lifecycle.__file__).resolve().parent


def modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports anywhere in its file. `from a import b` counts
    as importing a.b when that is a module, else a."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                for alias in node.names
            ]
        for target in targets:
            while target and target not in known:  # `import lifecycle.x.y` of a non-module name
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_checker_sees_function_level_imports_and_cycles(tmp_path):
    known = {"lifecycle.a", "lifecycle.b", "lifecycle.c"}
    a = tmp_path / "a.py"
    a.write_text("def f():\n    from lifecycle.b import g\n", encoding="utf-8")
    b = tmp_path / "b.py"
    b.write_text("from lifecycle import c\n", encoding="utf-8")
    c = tmp_path / "c.py"
    c.write_text("import lifecycle.a.f\n", encoding="utf-8")
    graph = {name: imports_of(name, path, known) for name, path in zip(sorted(known), (a, b, c), strict=True)}
    assert graph == {
        "lifecycle.a": {"lifecycle.b"},
        "lifecycle.b": {"lifecycle.c"},
        "lifecycle.c": {"lifecycle.a"},
    }
    assert find_cycle(graph) == ["lifecycle.a", "lifecycle.b", "lifecycle.c", "lifecycle.a"]
    graph["lifecycle.c"] = set()
    assert find_cycle(graph) is None


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert {"lifecycle.cli", "lifecycle.build", "lifecycle.dbt_runner", "lifecycle.report.page"} <= set(graph)
    assert "lifecycle.dbt_runner" in graph["lifecycle.build"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_nothing_in_the_package_imports_the_command_line():
    importers = sorted(name for name, targets in import_graph().items() if "lifecycle.cli" in targets)
    assert importers == []
