"""Show which first-party modules import which, and so which apps lean on which.

STYLE.md §0 says how Kiji's apps may depend on each other: everything points at
blog/, comments/ and trackbacks/ share what they share through one place and never
import each other, and only config/ and demo/ import demo/. This tool makes those
dependencies visible while code moves between apps, and tests/test_architecture.py
uses its functions to pin the rules.

    .venv/bin/python bench/import_graph.py                        # apps, cycles, totals
    .venv/bin/python bench/import_graph.py --modules              # every cross-app edge
    .venv/bin/python bench/import_graph.py --path comments.views  # what one module pulls in

What counts (stdlib only, read with `ast`, nothing is imported):
- First-party modules are the .py files of the packages next to manage.py (the
  directories holding an __init__.py, except tests/).
- Every `import` and `from ... import` counts, relative ones and those inside
  functions included. `from x import y` points at x.y when x/y.py or x/y/__init__.py
  exists, else at x. `import a.b` points at a.b only, not at the package a whose
  __init__ also runs.
- Imports under `if TYPE_CHECKING:` are type-only: listed, never edges.
- Migrations are modules, but their imports are not edges: they are history, run
  only by `migrate`.
- Dotted strings that Django imports at runtime (INSTALLED_APPS, MIDDLEWARE,
  ROOT_URLCONF, include("blog.urls"), task paths) are not read, so a dependency made
  only through settings or urls does not show here.
"""

import argparse
import ast
import textwrap
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_APPS = {"tests"}

Graph = dict[str, set[str]]


@dataclass(frozen=True)
class Import:
    """One imported first-party name, as written in one first-party module."""

    source: str
    target: str
    line: int
    in_function: bool = False
    type_only: bool = False
    missing: bool = False  # the target module does not exist (yet, or any more)


def app_of(module: str) -> str:
    return module.partition(".")[0]


def is_migration(module: str) -> bool:
    return "migrations" in module.split(".")


def find_modules(root: Path = ROOT) -> dict[str, Path]:
    """Map every first-party module name to its file."""
    modules = {}
    for init in sorted(root.glob("*/__init__.py")):
        if init.parent.name in NOT_APPS:
            continue
        for path in sorted(init.parent.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def is_type_checking(test: ast.expr) -> bool:
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
    return name == "TYPE_CHECKING"


class ImportCollector(ast.NodeVisitor):
    """Collect the first-party imports of one module, noting where each one sits."""

    def __init__(self, module: str, is_package: bool, modules: dict[str, Path]):
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.modules = modules
        self.apps = {app_of(name) for name in modules}
        self.imports: list[Import] = []
        self.function_depth = 0
        self.type_only = False

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if not is_type_checking(node.test):
            self.generic_visit(node)
            return
        outer, self.type_only = self.type_only, True
        for child in node.body:
            self.visit(child)
        self.type_only = outer
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self.absolute_base(node)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self.add(submodule if submodule in self.modules else base, node)

    def absolute_base(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = self.package
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        return f"{package}.{node.module}" if node.module else package

    def add(self, target: str, node: ast.stmt) -> None:
        if app_of(target) not in self.apps or target == self.module:
            return
        in_function, missing = self.function_depth > 0, target not in self.modules
        imp = Import(self.module, target, node.lineno, in_function, self.type_only, missing)
        self.imports.append(imp)


def read_imports(modules: dict[str, Path]) -> list[Import]:
    """Every first-party import in every first-party module, migrations included."""
    imports = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        collector = ImportCollector(module, path.name == "__init__.py", modules)
        collector.visit(tree)
        imports.extend(collector.imports)
    return imports


def runtime_graph(imports: list[Import]) -> Graph:
    """Module -> modules it imports when it runs; type-only imports and migrations left out."""
    graph: Graph = defaultdict(set)
    for imp in imports:
        if imp.type_only or imp.missing or is_migration(imp.source) or is_migration(imp.target):
            continue
        graph[imp.source].add(imp.target)
    return dict(graph)


def apps_in(graph: Graph) -> set[str]:
    return {app_of(module) for source, targets in graph.items() for module in {source, *targets}}


def imports_between(graph: Graph, importers: set[str], imported: set[str]) -> list[tuple[str, str]]:
    """Module edges from any app in `importers` to another app in `imported`."""
    return sorted(
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if app_of(source) in importers
        and app_of(target) in imported
        and app_of(source) != app_of(target)
    )


def cross_app_edges(graph: Graph) -> list[tuple[str, str]]:
    return imports_between(graph, apps_in(graph), apps_in(graph))


def app_dependencies(graph: Graph) -> dict[str, Counter[str]]:
    """App -> the apps it imports, each with its number of module edges."""
    counts: dict[str, Counter[str]] = {app: Counter() for app in apps_in(graph)}
    for source, target in cross_app_edges(graph):
        counts[app_of(source)][app_of(target)] += 1
    return counts


def import_cycles(graph: Graph) -> list[list[str]]:
    """Groups of modules that reach each other back (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(cycles)


def reachable(graph: Graph, start: str) -> set[str]:
    """Every module that importing `start` can end up running."""
    seen, queue = {start}, deque([start])
    while queue:
        for target in graph.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen - {start}


def describe_edge(source: str, target: str, imports: list[Import]) -> str:
    runtime = [i for i in imports if (i.source, i.target) == (source, target) and not i.type_only]
    lines = ", ".join(str(line) for line in sorted({i.line for i in runtime}))
    deferred = " (inside a function)" if all(i.in_function for i in runtime) else ""
    return f"{source} -> {target}  line {lines}{deferred}"


def print_summary(modules: dict[str, Path], imports: list[Import], graph: Graph) -> None:
    migrations = sum(is_migration(module) for module in modules)
    apps = sorted({app_of(module) for module in modules})
    print(f"{len(modules)} modules in {len(apps)} apps; {migrations} are migrations, not edges")

    print("\nApp dependencies (runtime imports; in brackets, the number of module edges):")
    dependencies = app_dependencies(graph)
    for app in apps:
        counts = dependencies.get(app, Counter())
        targets = ", ".join(f"{target} ({counts[target]})" for target in sorted(counts))
        print(f"  {app} -> {targets or 'nothing'}")

    cycles = import_cycles(graph)
    print("\nModules that import each other (runtime imports, inside functions included):")
    if not cycles:
        print("  no module imports another that imports it back")
    for group in cycles:
        print(f"  {len(group)} modules: {', '.join(group)}")
        for source in group:
            for target in sorted(graph[source] & set(group)):
                print(f"    {describe_edge(source, target, imports)}")

    print(f"\nCross-app module edges: {len(cross_app_edges(graph))}")

    type_only = [i for i in imports if i.type_only]
    print(f"Type-only imports (under TYPE_CHECKING, not edges): {len(type_only) or 'none'}")
    for imp in type_only:
        print(f"  {imp.source}:{imp.line} -> {imp.target}")
    missing = [i for i in imports if i.missing]
    if missing:
        print("Imports of first-party modules that do not exist:")
        for imp in missing:
            print(f"  {imp.source}:{imp.line} -> {imp.target}")


def print_module_edges(graph: Graph, imports: list[Import]) -> None:
    edges = cross_app_edges(graph)
    print(f"{len(edges)} cross-app module edges (runtime imports):")
    for source, target in edges:
        print(f"  {describe_edge(source, target, imports)}")


def print_path(graph: Graph, start: str) -> None:
    by_app: dict[str, list[str]] = defaultdict(list)
    for module in sorted(reachable(graph, start)):
        by_app[app_of(module)].append(module)
    total = sum(len(found) for found in by_app.values())
    print(f"{start} reaches {total} first-party modules in {len(by_app)} apps (runtime imports):")
    for app, found in sorted(by_app.items()):
        text = f"{app} ({len(found)}): {', '.join(found)}"
        print(textwrap.fill(text, width=100, initial_indent="  ", subsequent_indent="      "))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--modules", action="store_true", help="list every cross-app module edge")
    choice.add_argument("--path", metavar="MODULE", help="list the modules MODULE reaches")
    args = parser.parse_args(argv)

    modules = find_modules()
    imports = read_imports(modules)
    graph = runtime_graph(imports)
    if args.path:
        if args.path not in modules:
            parser.error(f"no first-party module {args.path!r}")
        print_path(graph, args.path)
    elif args.modules:
        print_module_edges(graph, imports)
    else:
        print_summary(modules, imports, graph)


if __name__ == "__main__":
    main()
