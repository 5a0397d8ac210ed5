"""Find an exercise from what a learner types: ``otsu``, ``otsu_threshold``, ``thresholding``.

Accepted, in this order: an exercise name; a contract function name
(``otsu_threshold`` is in ``thresholding``); an unambiguous substring (a prefix, say) of
exercise and function names (``otsu`` and ``thresh`` both mean ``thresholding``).
Anything else raises ``ValueError`` with a message that lists the candidates.
Function names are the catalog's (``course/course.toml``).

:func:`find` also says which functions were meant, for the tools that can answer about
one function rather than a whole exercise (``pixelgrade hint otsu`` gives the hints of
``otsu_threshold`` and ``otsu_mask_rgb``, not the first hint of ``thresholding``, which
is about ``threshold``).
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.core import catalog


@dataclass(frozen=True)
class Selection:
    """What a typed name means: an exercise, and the functions of it that were named.

    ``functions`` is empty when the name means the whole exercise (its own name, or a
    part of it); else it holds the exercise's functions that the name matches, in the
    catalog's order.
    """

    exercise: catalog.Exercise
    functions: tuple[str, ...] = ()

    @property
    def whole_exercise(self) -> bool:
        return not self.functions


def _normalise(text: str) -> str:
    text = str(text).strip().lower().replace("-", "_").replace(" ", "_")
    text = text.rsplit("/", 1)[-1]
    return text.removesuffix(".py").removesuffix(".md").removeprefix("test_")


def find(name: str) -> Selection:
    """The exercise that ``name`` means and the functions it names (see the module docstring).

    ``ValueError`` if ``name`` means no exercise, or parts of several.
    """
    wanted = _normalise(name)
    if not wanted:
        raise ValueError("name an exercise, e.g. 'histogram', or a function, e.g. 'otsu_threshold'")
    if wanted in catalog.active().by_name:
        return Selection(catalog.active().by_name[wanted])
    owners = [e for e in catalog.active().exercises if wanted in e.functions]
    if len(owners) == 1:
        return Selection(owners[0], (wanted,))
    matches: dict[str, list[str]] = {}
    for exercise in catalog.active().exercises:
        found = [candidate for candidate in dict.fromkeys((exercise.name, *exercise.functions))
                 if wanted in candidate]
        if found:
            matches[exercise.name] = found
    if len(matches) == 1:
        (exercise_name, found), = matches.items()
        exercise = catalog.active().by_name[exercise_name]
        if exercise_name in found:  # a part of the exercise's own name means all of it
            return Selection(exercise)
        return Selection(exercise, tuple(found))
    if matches:
        listed = "; ".join(f"{exercise} ({', '.join(found)})" for exercise, found in matches.items())
        raise ValueError(f"{name!r} is ambiguous: it matches {listed}. Use the exercise name.")
    raise ValueError(f"unknown exercise {name!r}; choose from: {', '.join(catalog.active().by_name)} "
                     "(or name one of their functions)")


def find_exercise(name: str) -> catalog.Exercise:
    """The exercise that ``name`` means (see the module docstring); ``ValueError`` if none or several."""
    return find(name).exercise


def exercise_names() -> list[str]:
    return [exercise.name for exercise in catalog.active().exercises]
