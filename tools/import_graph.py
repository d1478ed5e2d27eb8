#!/usr/bin/env python3
"""The package's import graph: no cycle, and every import points down the layers.

Reads every module under agentprobe/ with `ast` (nothing is imported or run), counting
imports inside functions and under `if TYPE_CHECKING:` too, since those still tie the
modules together. Exit 0 when the graph is clean; 1 with one line per cycle or upward
import otherwise.

    python tools/import_graph.py [--root agentprobe] [--dot]
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

# Lowest first. A module may import its own layer and the ones below it, never above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("agentprobe", "agentprobe.report", "agentprobe.thresholds", "agentprobe.privacy"),
    ("agentprobe.config",),
    ("agentprobe.netinfo", "agentprobe.software", "agentprobe.audio", "agentprobe.voice"),
    ("agentprobe.bandwidth", "agentprobe.uplink", "agentprobe.calls", "agentprobe.browser"),
    ("agentprobe.checks",),
    ("agentprobe.agent",),
    ("agentprobe.collector",),
    ("agentprobe.commands",),
    ("agentprobe.cli", "agentprobe.__main__"),
)


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under `root` (a package folder)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's own modules that `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(_resolve(alias.name, known) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(_resolve(full if full in known else base, known))
    targets.discard("")
    targets.discard(name)
    return targets


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _resolve(name: str, known: dict[str, Path]) -> str:
    """The longest known module that `name` lies in ("" outside the package)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = _pop_component(node, stack, on_stack)
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def _pop_component(root: str, stack: list[str], on_stack: set[str]) -> list[str]:
    component = []
    while True:
        node = stack.pop()
        on_stack.discard(node)
        component.append(node)
        if node == root:
            return component


def layer_of(name: str) -> int | None:
    """The layer of the longest layer prefix that `name` falls under."""
    best: tuple[int, int] | None = None
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            inside = name == prefix or name.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[1]):
                best = (level, len(prefix))
    return best[0] if best else None


def upward(graph: dict[str, set[str]]) -> list[str]:
    """One line per import that points to a higher layer (or from an unlayered module)."""
    problems = []
    for name, targets in sorted(graph.items()):
        own = layer_of(name)
        if own is None:
            problems.append(f"{name}: in no layer (add its package to LAYERS)")
            continue
        for target in sorted(targets):
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                problems.append(f"{name} imports {target}, a higher layer")
    return problems


def build(root: Path) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imports_of(name, path, known) for name, path in known.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--root", default=str(Path(__file__).resolve().parent.parent / "agentprobe")
    )
    parser.add_argument("--dot", action="store_true", help="print the graph in Graphviz dot")
    args = parser.parse_args(argv)
    graph = build(Path(args.root))
    if args.dot:
        print("digraph agentprobe {")
        for name, targets in sorted(graph.items()):
            for target in sorted(targets):
                print(f'  "{name}" -> "{target}";')
        print("}")
    problems = [f"cycle: {' -> '.join(c)}" for c in cycles(graph)] + upward(graph)
    for line in problems:
        print(line, file=sys.stderr)
    edges = sum(len(t) for t in graph.values())
    print(f"{len(graph)} modules, {edges} imports: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
