"""The house rules, read from the source (AST): where libraries may be imported, size, cycles, __all__, privacy.

Every import counts, also those inside functions (formgen imports heavy libraries lazily); only
`if TYPE_CHECKING:` blocks are skipped, as they never run. pyproject.toml's import-linter contracts
check the floors; these check the rest. Each test asserts it read more than 40 modules, so it cannot
pass by finding nothing.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "formgen"
FORMAT_LIBRARIES = {"lxml", "docx", "docxtpl", "openpyxl", "reportlab", "pypdf", "zipfile", "cv2", "zxingcpp",
                    "pypdfium2"}
DATABASE_LIBRARIES = {"sqlalchemy", "sqlite3"}
COMMAND_LINE_LIBRARIES = {"click", "rich"}
WEB_LIBRARIES = {"starlette", "uvicorn", "multipart", "python_multipart"}  # jinja2 is docxtpl's too
MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    """One import statement's target: the module, and the name taken from it (None for `import x`)."""

    module: str
    name: str | None
    line: int


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @property
    def where(self) -> str:
        return str(self.path.relative_to(PACKAGE.parent))


@cache
def modules() -> tuple[Module, ...]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append(Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return tuple(found)


def scanned() -> tuple[Module, ...]:
    found = modules()
    assert len(found) > 40, f"only {len(found)} modules found under {PACKAGE}"
    return found


def is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (getattr(test, "id", None) == "TYPE_CHECKING"
                                         or getattr(test, "attr", None) == "TYPE_CHECKING")


def walk(node: ast.AST):
    """ast.walk without the bodies of `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if is_type_checking(child):
            for other in child.orelse:
                yield other
                yield from walk(other)
            continue
        yield child
        yield from walk(child)


def imports(m: Module) -> list[Import]:
    found = []
    for node in walk(m.tree):
        if isinstance(node, ast.Import):
            found += [Import(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = absolute(m, node)
            found += [Import(base, a.name, node.lineno) for a in node.names]
    return found


def absolute(m: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = m.name.split(".") if m.is_package else m.name.split(".")[:-1]
    parts = parts[: len(parts) - node.level + 1]
    return ".".join(parts + ([node.module] if node.module else []))


def own_modules() -> set[str]:
    return {m.name for m in modules()}


def targets(imp: Import) -> str:
    """The formgen module an import loads: `from a.b import c` is a.b.c when that is a module, else a.b."""
    candidate = f"{imp.module}.{imp.name}" if imp.name else imp.module
    return candidate if candidate in own_modules() else imp.module


def outside(folder: str, libraries: set[str]) -> list[str]:
    bad = []
    for m in scanned():
        if m.name == f"formgen.{folder}" or m.name.startswith(f"formgen.{folder}."):
            continue
        bad += [f"{m.where}:{i.line} imports {i.module}" for i in imports(m) if i.module.split(".")[0] in libraries]
    return sorted(set(bad))


def test_only_formats_imports_the_file_format_libraries():
    assert outside("formats", FORMAT_LIBRARIES) == []


def test_only_store_imports_the_database_libraries():
    assert outside("store", DATABASE_LIBRARIES) == []


def test_only_cli_imports_click_and_rich():
    assert outside("cli", COMMAND_LINE_LIBRARIES) == []


def test_only_web_imports_the_web_libraries():
    assert outside("web", WEB_LIBRARIES) == []


def test_no_module_is_over_400_lines():
    sizes = {m.where: len(m.path.read_text(encoding="utf-8").splitlines()) for m in scanned()}
    assert {where: n for where, n in sizes.items() if n > MAX_LINES} == {}


def graph() -> dict[str, set[str]]:
    mine = own_modules()
    return {m.name: {t for t in map(targets, imports(m)) if t in mine and t != m.name} for m in scanned()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle():
    assert cycles(graph()) == []


def defines_names(m: Module) -> bool:
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign))
               for n in m.tree.body)


def has_all(m: Module) -> bool:
    return any(isinstance(n, (ast.Assign, ast.AnnAssign)) and "__all__" in {getattr(t, "id", None) for t in
               (n.targets if isinstance(n, ast.Assign) else [n.target])} for n in m.tree.body)


def test_every_public_module_has_all():
    public = [m for m in scanned() if not m.path.name.startswith("_") or (m.is_package and defines_names(m))]
    assert [m.where for m in public if not has_all(m)] == []


def private(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(m: Module) -> list[str]:
    """`from other import _name`, and `other._name` where other is a formgen module bound by an import."""
    mine, bad, bound = own_modules(), [], {}
    for i in imports(m):
        if targets(i) in mine and targets(i) != m.name and private(i.name) and targets(i) == i.module:
            bad.append(f"{m.where}:{i.line} imports {i.module}.{i.name}")
    for node in walk(m.tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                full = a.name if isinstance(node, ast.Import) else f"{absolute(m, node)}.{a.name}"
                if full in mine and full != m.name and (a.asname or isinstance(node, ast.ImportFrom)):
                    bound[a.asname or a.name] = full
    for node in walk(m.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound \
                and private(node.attr):
            bad.append(f"{m.where}:{node.lineno} uses {bound[node.value.id]}.{node.attr}")
    return bad


def test_no_module_imports_another_modules_private_name():
    assert [use for m in scanned() for use in private_uses(m)] == []
