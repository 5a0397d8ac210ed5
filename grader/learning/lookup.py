"""Find an exercise from what a learner types: ``otsu``, ``otsu_threshold``, ``thresholding``.

Accepted, in this order: an exercise name; a contract function name
(``otsu_threshold`` is in ``thresholding``); an unambiguous substring (a prefix, say) of
exercise and function names (``otsu`` and ``thresh`` both mean ``thresholding``).
Anything else raises ``ValueError`` with a message that lists the candidates.
Function names are the catalog's (``course/course.toml``).
"""

from __future__ import annotations

from grader.core import catalog as course


def _normalise(text: str) -> str:
    text = str(text).strip().lower().replace("-", "_").replace(" ", "_")
    text = text.rsplit("/", 1)[-1]
    return text.removesuffix(".py").removesuffix(".md").removeprefix("test_")


def find_exercise(name: str) -> course.Exercise:
    """The exercise that ``name`` means (see the module docstring); ``ValueError`` if none or several."""
    wanted = _normalise(name)
    if not wanted:
        raise ValueError("name an exercise, e.g. 'histogram', or a function, e.g. 'otsu_threshold'")
    if wanted in course.BY_NAME:
        return course.BY_NAME[wanted]
    owners = [e for e in course.EXERCISES if wanted in e.functions]
    if len(owners) == 1:
        return owners[0]
    matches: dict[str, list[str]] = {}
    for exercise in course.EXERCISES:
        for candidate in (exercise.name, *exercise.functions):
            found = matches.setdefault(exercise.name, []) if wanted in candidate else None
            if found is not None and candidate not in found:
                found.append(candidate)
        if not matches.get(exercise.name):
            matches.pop(exercise.name, None)
    if len(matches) == 1:
        return course.BY_NAME[next(iter(matches))]
    if matches:
        listed = "; ".join(f"{exercise} ({', '.join(found)})" for exercise, found in matches.items())
        raise ValueError(f"{name!r} is ambiguous: it matches {listed}. Use the exercise name.")
    raise ValueError(f"unknown exercise {name!r}; choose from: {', '.join(course.BY_NAME)} "
                     "(or name one of their functions)")


def exercise_names() -> list[str]:
    return [exercise.name for exercise in course.EXERCISES]
