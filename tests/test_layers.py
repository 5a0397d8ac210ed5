"""The engine's imports go one way: from the tools down to grading, never back (issue 24).

The layers of ``grader/``, bottom to top:

- ``sandbox`` runs learner code: it imports nothing of the grader's but itself (the
  worker's copy of the code is the sandbox package alone);
- ``core`` (grading: catalog, runner, results) and ``kit`` (what checks use) may import
  each other and the sandbox, but no two of their modules may import each other, even
  through others (``hookspec`` and ``exitcodes``, modules that import nothing of the
  grader's, sit beside them);
- ``writers`` serialise results: they know no tool;
- ``api``, the one way in to grading, knows no tool either;
- ``learning`` (the learner's tools) and ``instructor`` (the instructor's) use all of the
  above but not each other;
- ``cli`` and the ``grader`` package itself (``check``, ``grade``) are the top.

And a name that starts with an underscore is its module's own: no other module imports it
(``from grader.x import _name``) or reaches for it (``x._name``). Imports inside functions
count like any other. Every rule's failure names the file, the line and the rule.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

GRADER = Path(__file__).resolve().parents[1] / "grader"

BASE = {"sandbox", "core", "kit", "hookspec", "exitcodes"}
# What each layer may import (its own modules always).
MAY_IMPORT: dict[str, set[str]] = {
    "sandbox": set(),
    "hookspec": set(),
    "exitcodes": set(),
    "core": {"sandbox", "kit", "hookspec"},
    "kit": {"sandbox", "core", "hookspec"},
    "writers": BASE - {"exitcodes"},
    "api": BASE - {"exitcodes"},
    "learning": BASE | {"writers", "api"},
    "instructor": BASE | {"writers", "api"},
    "cli": BASE | {"writers", "api", "learning", "instructor"},
    "facade": BASE | {"writers", "api", "learning", "instructor", "cli"},
}


@dataclass(frozen=True)
class Import:
    """One ``import`` of a grader module: where it is, what it imports, the names it takes."""

    file: Path
    line: int
    module: str  # the importing module, e.g. grader.cli.grade
    target: str  # the grader module imported, e.g. grader.core.catalog
    names: tuple[str, ...]  # the names taken from it (``from target import a, b``); empty for ``import target``

    def where(self) -> str:
        return f"{self.file.relative_to(GRADER.parent)}:{self.line}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(GRADER.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def grader_modules() -> dict[str, Path]:
    """Every module of the engine by its dotted name.

    Only files in packages (every folder down from ``grader/`` has an ``__init__.py``): the
    attacks are scripts run as learner code, a course template's files are a course's.
    """
    return {module_name(path): path for path in sorted(GRADER.rglob("*.py"))
            if all((folder / "__init__.py").is_file() for folder in [path.parent, *path.parent.parents]
                   if folder == GRADER or GRADER in folder.parents)}


MODULES = grader_modules()


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return "facade"
    return parts[1]


def imports_of(module: str, path: Path) -> list[Import]:
    """Every import of a grader module in ``path``, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(path, node.lineno, module, alias.name, ()) for alias in node.names
                      if alias.name.split(".")[0] == "grader"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..core import y
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "grader":
                continue
            names = tuple(alias.name for alias in node.names)
            submodules = [name for name in names if f"{source}.{name}" in MODULES]
            found += [Import(path, node.lineno, module, f"{source}.{name}", ()) for name in submodules]
            others = tuple(name for name in names if name not in submodules)
            if others or not submodules:
                found.append(Import(path, node.lineno, module, source, others))
    return found


ALL_IMPORTS = [found for module, path in MODULES.items() for found in imports_of(module, path)]


def layer_violations() -> list[str]:
    problems = []
    for found in ALL_IMPORTS:
        mine, theirs = layer_of(found.module), layer_of(found.target)
        if theirs != mine and theirs not in MAY_IMPORT[mine]:
            problems.append(f"{found.where()}: {found.module} ({mine}) imports {found.target} ({theirs}): "
                            f"{mine} may import only {', '.join(sorted(MAY_IMPORT[mine])) or 'itself'}")
    return problems


def private_name_violations() -> list[str]:
    """``from grader.x import _name``, and ``x._name`` where ``x`` is another grader module."""
    problems = []
    for found in ALL_IMPORTS:
        for name in found.names:
            if is_private(name):
                problems.append(f"{found.where()}: {found.module} imports {found.target}.{name}, a private name "
                                "(give it a public name, or move it to a module both use)")
        if is_private(found.target.rpartition(".")[2]):
            problems.append(f"{found.where()}: {found.module} imports the private module {found.target}")
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        bound = modules_bound_in(tree, module, path)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
                continue
            owner = dotted(node.value, bound)
            if owner is not None and owner != module:
                problems.append(f"{path.relative_to(GRADER.parent)}:{node.lineno}: {module} uses {owner}.{node.attr}, "
                                "a private name of another module")
    return problems


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def modules_bound_in(tree: ast.AST, module: str, path: Path) -> dict[str, str]:
    """The local names that stand for grader modules in a module: ``{name: dotted module}``."""
    bound = {}
    for found in imports_of(module, path):
        if found.names:
            continue  # names taken from a module: not modules themselves
        bound_name = None
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and node.lineno == found.line:
                for alias in node.names:
                    if alias.name == found.target:
                        # `import grader.x.y` binds `grader`; `import grader.x.y as z` binds z.
                        bound_name = alias.asname
                        if alias.asname is None:
                            bound["grader"] = "grader"
            elif isinstance(node, ast.ImportFrom) and node.lineno == found.line:
                for alias in node.names:
                    if found.target.endswith("." + alias.name):
                        bound_name = alias.asname or alias.name
        if bound_name:
            bound[bound_name] = found.target
    return bound


def dotted(node: ast.AST, bound: dict[str, str]) -> str | None:
    """The grader module an expression names (``describe``, ``grader.kit.describe``), or None."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = dotted(node.value, bound)
        if owner is not None and f"{owner}.{node.attr}" in MODULES:
            return f"{owner}.{node.attr}"
    return None


def packages_of(module: str) -> list[str]:
    """The packages whose ``__init__`` runs before ``module`` does: ``grader.a.b.c`` -> grader.a, grader.a.b."""
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(2, len(parts))]


def import_graph() -> dict[str, set[str]]:
    """Which module's import runs which, as Python does it: importing ``grader.x.y.z`` runs the
    ``__init__`` of ``grader.x.y`` first (and whatever that imports), unless the importer is inside it."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for found in ALL_IMPORTS:
        mine = packages_of(found.module) + [found.module]
        for target in packages_of(found.target) + [found.target]:
            if target in MODULES and target not in mine:
                graph[found.module].add(target)
    return graph


def cycles() -> list[list[str]]:
    """The import cycles between modules (Tarjan's strongly connected components of more than one)."""
    graph = import_graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found_cycles = []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found_cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found_cycles


def cycle_violations() -> list[str]:
    problems = []
    graph = import_graph()
    for component in cycles():
        members = set(component)
        edges = [f"{found.where()}: {found.module} imports {found.target}" for found in ALL_IMPORTS
                 if found.module in members and members & graph[found.module]
                 and members & set(packages_of(found.target) + [found.target])]
        problems.append(f"import cycle between {', '.join(component)}:\n    " + "\n    ".join(edges))
    return problems


def layer_init_violations() -> list[str]:
    """A layer's ``__init__`` imports nothing: importing one of its modules must not import the others."""
    problems = []
    for layer in MAY_IMPORT:
        init = f"grader.{layer}"
        if init in MODULES and MODULES[init].name == "__init__.py":
            problems += [f"{found.where()}: {init}'s __init__ imports {found.target} (a layer's __init__ imports "
                         "nothing)" for found in ALL_IMPORTS if found.module == init]
    return problems


def test_the_analysis_sees_the_engine():
    """The rules below would pass vacuously on a wrong path or a parser that finds nothing."""
    assert {"grader.api", "grader.core.catalog", "grader.sandbox.worker", "grader.cli.main"} <= set(MODULES)
    assert len(ALL_IMPORTS) > 150
    # An import inside a function is found (api grades with the runner it imports late).
    assert any(found.module == "grader.api" and found.target == "grader.core.runner" for found in ALL_IMPORTS)
    assert {layer_of(module) for module in MODULES} <= set(MAY_IMPORT), "a layer this test does not know"


@pytest.mark.parametrize("rule", [layer_violations, layer_init_violations, private_name_violations,
                                  cycle_violations], ids=lambda rule: rule.__name__)
def test_rule(rule):
    problems = rule()
    assert not problems, f"{len(problems)} imports against the layers' rule:\n" + "\n".join(problems)


# -- the checker itself: each rule catches what it is meant to catch --------------------------------------------
def check_source(tmp_path, monkeypatch, files: dict[str, str]):
    """The four rules over a made-up ``grader`` package of ``files`` ({relative path: source})."""
    root = tmp_path / "grader"
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    for package in {root} | {path.parent for path in root.rglob("*.py")}:
        (package / "__init__.py").touch()
    this = globals()
    monkeypatch.setitem(this, "GRADER", root)
    monkeypatch.setitem(this, "MODULES", grader_modules())
    monkeypatch.setitem(this, "ALL_IMPORTS", [found for module, path in this["MODULES"].items()
                                              for found in imports_of(module, path)])
    return (layer_violations() + layer_init_violations() + private_name_violations() + cycle_violations())


def test_the_rules_catch_each_kind_of_violation(tmp_path, monkeypatch):
    problems = check_source(tmp_path, monkeypatch, {
        "core/results.py": "X = 1\n",
        "core/runner.py": "def f():\n    from grader.writers import terminal\n",  # a tool, inside a function
        "writers/terminal.py": "from grader.core import results\nresults._hidden\n",  # a private name used
        "cli/main.py": "from grader.core.results import _secret\n",  # a private name imported
        "kit/a.py": "from grader.core import b\n",
        "core/b.py": "import grader.kit.a\n",  # kit.a -> core.b -> kit.a
        # A module that imports its package's __init__, which imports it: a cycle Python runs into.
        "instructor/batch/__init__.py": "from grader.instructor.batch.run import go\n"
                                        "from grader.instructor.batch.discovery import f\n",
        "instructor/batch/run.py": "def go():\n    pass\n",
        "instructor/exports.py": "from grader.instructor.batch.run import go\n",
        "instructor/batch/discovery.py": "def f():\n    from grader.instructor import exports\n",
        "sandbox/wire.py": "from ..kit import a\n",  # relative, and the sandbox imports nothing else
        "sandbox/__init__.py": "from grader.sandbox import wire\n",
    })
    text = "\n".join(problems)
    assert "grader/core/runner.py:2: grader.core.runner (core) imports grader.writers.terminal" in text
    assert "grader/writers/terminal.py:2: grader.writers.terminal uses grader.core.results._hidden" in text
    assert "grader/cli/main.py:1: grader.cli.main imports grader.core.results._secret, a private name" in text
    assert "import cycle between grader.core.b, grader.kit.a" in text
    assert "import cycle between grader.instructor.batch, grader.instructor.batch.discovery, " \
           "grader.instructor.exports" in text
    assert "grader/sandbox/wire.py:1: grader.sandbox.wire (sandbox) imports grader.kit.a (kit)" in text
    assert "grader.sandbox's __init__ imports grader.sandbox.wire" in text
    assert len(problems) == 7, text


def test_a_clean_package_passes(tmp_path, monkeypatch):
    assert check_source(tmp_path, monkeypatch, {
        "core/results.py": "_LOCAL = 1\nX = _LOCAL\n",
        "writers/terminal.py": "from grader.core import results\nresults.X\n",
        "cli/main.py": "import grader.writers.terminal as terminal\nterminal.__name__\n",
        # A package's modules importing one another through the package's own __init__: no cycle.
        "instructor/batch/__init__.py": "from grader.instructor.batch.run import go\n",
        "instructor/batch/run.py": "from grader.instructor.batch.shards import select\ndef go():\n    pass\n",
        "instructor/batch/shards.py": "def select():\n    pass\n",
        "instructor/exports.py": "from grader.instructor.batch import go\n",
    }) == []


def test_the_workers_copy_holds_every_module_the_worker_imports():
    """A worker runs from a copy of the sandbox package (grader.sandbox.isolation.RUNTIME_MODULES):
    whatever the worker imports, directly or not, must be in it, and it is the sandbox's alone."""
    from grader.sandbox import isolation

    graph = import_graph()
    needed, waiting = set(), ["grader.sandbox.worker"]
    while waiting:
        module = waiting.pop()
        if module not in needed:
            needed.add(module)
            waiting += graph[module]
    assert {layer_of(module) for module in needed} == {"sandbox"}, sorted(needed)
    copied = {f"grader.sandbox.{name.removesuffix('.py')}".removesuffix(".__init__")
              for name in isolation.RUNTIME_MODULES}
    assert needed <= copied, f"the worker imports {sorted(needed - copied)}, which its copy lacks"
