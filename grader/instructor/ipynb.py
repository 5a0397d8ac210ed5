"""Submissions as Jupyter notebooks: a notebook's code cells become the exercise modules it holds.

(Not to be confused with :mod:`grader.learning.notebook`, the learner's ``check()`` inside Jupyter.)

:func:`notebook_modules` reads a notebook with ``nbformat`` and joins its code cells into
Python that a module could hold, leaving out, and counting for a note:

- IPython magics (``%matplotlib inline``, ``x = %timeit f()``) and shell lines (``!pip install numpy``);
  a cell magic (``%%bash``, ``%%html``...) leaves its whole cell out, except ``%%time``,
  ``%%timeit`` and ``%%capture``, whose body is Python and stays;
- top-level code that is not a definition (``plt.imshow(histogram(img))``, ``img = io.imread(...)``,
  loops, ``assert``), which would run when the module is imported: functions, classes,
  ``if``/``try`` blocks and the imports and assignments that they use stay;
- ``from grader import check`` and the like (the course's own notebook helper).

The modules it stands for are the exercises whose contract functions it defines (their
names are read from the reference modules in ``solutions/``), the exercise it is named
after (``histogram.ipynb``), or those an instructor names for it. :func:`convert_all`
writes them (``<exercise>.py`` beside the notebook) into a staged submission.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.core import catalog
from grader.writers import escaping

BODY_IS_PYTHON = {"time", "timeit", "capture", "prun"}  # cell magics that run their body as Python
_MAGIC_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][\w, ]*=\s*[%!]")  # files = !ls, t = %timeit f()


@dataclass
class Converted:
    """One notebook's code, ready to be a module, and what was left out of it."""

    code: str
    functions: list[str]
    magics: list[str] = field(default_factory=list)  # "code cell 1: %matplotlib inline"
    top_level: list[str] = field(default_factory=list)  # "code cell 3: plt.imshow(histogram(img))"
    cells: int = 0
    syntax_error: str = ""


def _short(line: str, limit: int = 60) -> str:
    line = escaping.one_line(line[: 4 * limit])  # a cell's line as a note quotes it: printable, one line
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _clean_cell(source: str, number: int, left_out: list[str]) -> str:
    """A code cell without its magics and shell lines (each noted in ``left_out``)."""
    try:
        ast.parse(source)
        return source  # plain Python (a "%" inside a string stays where it is)
    except SyntaxError:
        pass
    lines = source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()[2:].split()[0] if lines[first].strip()[2:] else ""
        left_out.append(f"code cell {number}: {_short(lines[first])}"
                        + ("" if magic in BODY_IS_PYTHON else " (the whole cell)"))
        if magic not in BODY_IS_PYTHON:
            return ""
        lines = lines[first + 1:]
    kept = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or _MAGIC_ASSIGNMENT.match(line) or (
                stripped.endswith("?") and not stripped.startswith("#") and re.fullmatch(r"[\w.]+\?\??", stripped)):
            left_out.append(f"code cell {number}: {_short(line)}")
            indent = line[: len(line) - len(stripped)]
            if indent:
                kept.append(indent + "pass")  # the block it was in stays a block
            continue
        kept.append(line)
    return "\n".join(kept)


def _loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _assigned_names(node: ast.AST) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}


def _is_grader_import(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "grader"
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "grader" for alias in node.names)
    return False


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _always_kept(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom) and (node.module == "__future__" or any(a.name == "*" for a in node.names)):
        return True
    return isinstance(node, _DEFINITIONS) or _is_docstring(node)


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.Try, ast.Global, ast.Pass)
# Kept when kept code uses a name they bind (an import only the demo code uses, such as
# matplotlib's, would only slow the import down).
_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Import, ast.ImportFrom)


def _definitions_only(code: str, origins: list[int]) -> tuple[str, list[str]]:
    """Keep the top-level statements that define things (and the assignments they use)."""
    tree = ast.parse(code)
    lines = code.splitlines()
    keep = [_always_kept(node) for node in tree.body]
    needed: set[str] = set()
    changed = True
    while changed:
        changed = False
        needed = set().union(*(_loaded_names(n) for n, k in zip(tree.body, keep) if k))
        for i, node in enumerate(tree.body):
            if not keep[i] and isinstance(node, _ASSIGNMENTS) and not _is_grader_import(node):
                names = _assigned_names(node)
                if names & needed or any(name.startswith("__") for name in names):
                    keep[i] = changed = True
    kept, dropped = [], []
    for node, k in zip(tree.body, keep):
        start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno) - 1
        text = "\n".join(lines[start:node.end_lineno])
        if k:
            kept.append(text)
        else:
            dropped.append(f"code cell {origins[start]}: {_short(lines[start])}")
    return "\n\n".join(kept) + "\n", dropped


def convert(path: Path) -> Converted:
    """A notebook's code cells as one module's code (``nbformat`` reads it; ``ValueError`` if it cannot).

    A notebook too deeply nested for Python to read (one expression of 20,000 terms, JSON
    nested thousands deep: ``RecursionError``, or ``MemoryError`` from Python's parser) is a
    ``ValueError`` too, that says so: it is the submission's failure, not the grader's.
    """
    try:
        return _convert(path)
    except RecursionError:
        raise ValueError(f"{escaping.name(path.name)}: the notebook could not be read: its code is nested too "
                         "deeply for Python to read (RecursionError; is there one very long expression?)") from None
    except MemoryError:
        # Python's parser says MemoryError, too, for an expression nested too deeply (-----1).
        raise ValueError(f"{escaping.name(path.name)}: the notebook could not be read: Python ran out of memory "
                         "reading it (MemoryError; is there one very long or deeply nested expression?)") from None


def _read_notebook(path: Path):
    """The notebook at ``path`` as nbformat 4, read as ``nbformat.read(path, as_version=4)`` reads it.

    But its cells get ids before it is validated: since format 4.5 every cell has a
    unique id (JEP 62, https://jupyter.org/enhancement-proposals/62-cell-id/cell-id.html),
    and a notebook that lacks them (written by a script, an older tool, or by hand) made
    nbformat's validation print a ``MissingIDFieldWarning`` (or ``DuplicateCellId``)
    traceback on the instructor's terminal, once per notebook. Ids play no part in grading.
    """
    import nbformat
    from traitlets.log import get_logger  # the logger nbformat.read reports to (traitlets: nbformat's own dependency)

    # nbformat.read, in its steps: parse (any version), convert to 4, validate (schema errors are logged).
    notebook = nbformat.convert(nbformat.reader.reads(path.read_text(encoding="utf-8")), 4)
    _give_cells_ids(notebook)
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:  # read all the same, as nbformat.read does
        get_logger().error("Notebook JSON is invalid: %s", error)
    return notebook


def _give_cells_ids(notebook) -> None:
    """A new id, as nbformat makes one (its ``v4.convert.upgrade``), for each cell of a 4.5+ notebook without one.

    A cell whose id an earlier cell has already gets a new one too (ids are unique).
    """
    from nbformat.corpus.words import generate_corpus_id

    cells, minor = notebook.get("cells"), notebook.get("nbformat_minor", 0)
    if notebook.get("nbformat") != 4 or not isinstance(minor, int) or minor < 5 or not isinstance(cells, list):
        return  # no ids in this format (or not a notebook nbformat can validate: it says so)
    seen: set = set()
    for cell in cells:
        if not isinstance(cell, dict):
            continue  # the schema's to refuse
        while not isinstance(cell.get("id"), str) or cell["id"] in seen:
            cell["id"] = generate_corpus_id()
        seen.add(cell["id"])


def _convert(path: Path) -> Converted:
    try:
        notebook = _read_notebook(path)
    except (RecursionError, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds for a broken file
        raise ValueError(f"{escaping.name(path.name)}: the notebook could not be read "
                         f"({type(error).__name__}: {escaping.one_line(error, 200)})") from None
    magics: list[str] = []
    chunks, origins = [], []
    number = 0
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        number += 1
        cleaned = _clean_cell(str(cell.get("source", "")), number, magics)
        if not cleaned.strip():
            continue
        chunks.append(cleaned.rstrip("\n"))
        origins += [number] * (len(cleaned.rstrip("\n").splitlines()) + 1)
    joined = "\n\n".join(chunks) + "\n"
    try:
        code, top_level = _definitions_only(joined, origins + [number] * 2)
    except SyntaxError as error:  # graded as such: the module does not import, and says why
        functions = re.findall(r"^def\s+(\w+)", joined, re.M)  # still: which exercises it stands for
        return Converted(joined, functions, magics, [], number,
                         syntax_error=escaping.one_line(f"{error.msg} (line {error.lineno})", 200))
    functions = [node.name for node in ast.parse(code).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    return Converted(code, functions, magics, top_level, number)


def modules_for(path: Path, converted: Converted, exercises, mapping: dict[str, list[str]] | None = None) -> list[str]:
    """The exercises a notebook stands for: the instructor's mapping, else its name and the functions it defines."""
    if mapping and path.name in mapping:
        return list(mapping[path.name])
    names = set(converted.functions)
    chosen = [e.name for e in catalog.active().exercises
              if e.name in exercises and (e.name == path.stem.lower() or names & set(e.functions))]
    if not chosen and path.stem.lower() in exercises:
        chosen = [path.stem.lower()]  # histogram.ipynb that does not parse: graded, and says why
    return chosen


def convert_all(root: Path, exercises, mapping: dict[str, list[str]] | None = None) -> tuple[list[str], list[Path]]:
    """Write ``<exercise>.py`` beside each notebook under ``root`` that holds an exercise's functions.

    A module that is there already wins over a notebook. Returns notes for the feedback
    (what became what, what was left out) and the files written.
    """
    notes: list[str] = []
    written: list[Path] = []
    exercises = list(exercises)
    for path in sorted(root.rglob("*.ipynb")):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part in ("__MACOSX", ".ipynb_checkpoints") for part in relative.parts):
            continue
        shown = escaping.path_name(relative.as_posix())
        try:
            converted = convert(path)
        except ValueError as error:
            notes.append(escaping.note(str(error).replace(escaping.name(path.name), shown, 1)))
            continue
        chosen = modules_for(path, converted, exercises, mapping)
        if not chosen:
            defined = ", ".join(escaping.name(f) for f in converted.functions[:6]) or "no functions"
            notes.append(escaping.note(f"{shown}: not graded: it defines none of the functions of "
                                       f"{', '.join(exercises)} (it defines {defined})"))
            continue
        made, kept = [], []
        for name in chosen:
            target = path.parent / f"{name}.py"
            if target.exists():
                kept.append(target.name)
                continue
            header = f"# {name}.py, built by pixelgrade from the code cells of {escaping.name(path.name)}\n"
            target.write_text(header + converted.code, encoding="utf-8")
            written.append(target)
            made.append(name)
        notes += [escaping.note(note) for note in _notes(shown, converted, made, kept)]
    return notes, written


def _notes(shown: str, converted: Converted, made: list[str], kept: list[str]) -> list[str]:
    parts = []
    if made:
        by_name = catalog.active().by_name
        wanted = set().union(*(by_name[name].functions for name in made if name in by_name))
        functions = [f for f in converted.functions if f in wanted]
        parts.append(f"{shown}: its {converted.cells} code cell{'s' if converted.cells != 1 else ''} became "
                     + ", ".join(f"{name}.py" for name in made)
                     + (f" (functions {', '.join(functions)})" if functions else ""))
    if kept:
        parts.append(f"{shown}: not used for {', '.join(kept)}, which the submission has already")
    if converted.syntax_error:
        parts.append(f"{shown}: its code is not valid Python: {converted.syntax_error}")
    if converted.magics:
        parts.append(f"{shown}: left out {len(converted.magics)} IPython magic or shell line"
                     f"{'s' if len(converted.magics) != 1 else ''}, which a module cannot run: "
                     + "; ".join(converted.magics[:8]) + ("; ..." if len(converted.magics) > 8 else ""))
    if converted.top_level:
        parts.append(f"{shown}: left out {len(converted.top_level)} top-level statement"
                     f"{'s' if len(converted.top_level) != 1 else ''} that would run when the module is imported "
                     "(only functions, classes and the imports and values they use are kept): "
                     + "; ".join(converted.top_level[:8]) + ("; ..." if len(converted.top_level) > 8 else ""))
    return parts


def parse_mapping(values) -> dict[str, list[str]]:
    """``["homework.ipynb=histogram,equalisation"]`` -> {"homework.ipynb": ["histogram", "equalisation"]}."""
    mapping: dict[str, list[str]] = {}
    for value in values or []:
        name, sep, modules = value.partition("=")
        chosen = [m.strip() for m in modules.split(",") if m.strip()]
        if not sep or not name.strip() or not chosen:
            raise ValueError(f"--notebook-map must be NOTEBOOK.ipynb=EXERCISE[,EXERCISE...]; got {value!r}")
        unknown = [m for m in chosen if m not in catalog.active().by_name]
        if unknown:
            raise ValueError(f"--notebook-map {value!r}: unknown exercise {', '.join(unknown)}")
        mapping[Path(name.strip()).name] = chosen
    return mapping
