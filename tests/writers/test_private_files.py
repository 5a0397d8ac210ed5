"""A course's ``private_files`` hook: the files learner-facing text never names (grader.writers.grader_paths)."""

from __future__ import annotations

import sys
import textwrap

import pytest
from conftest import COURSE

from grader.core import catalog
from grader.writers import grader_paths

SECRET = "/srv/instructor/answers-2027.npz"


@pytest.fixture
def course_with(tmp_path, monkeypatch, request):
    """A one-exercise course whose `private_files` hook (in module ``name``) returns ``returns``; active meanwhile."""

    def make(name: str, returns: str | None):
        folder = tmp_path / name
        folder.mkdir()
        hooks = f'[course.hooks]\nprivate_files = "{name}:files"\n' if returns is not None else ""
        (folder / "course.toml").write_text(f'[course]\ntitle = "Private"\n{hooks}\n[[exercise]]\nname = "vectors"\n')
        (folder / f"{name}.py").write_text(textwrap.dedent(f"""
            def files():
                return {returns}
        """))
        monkeypatch.setattr(sys, "path", list(sys.path))
        return catalog.activate(folder)

    yield make
    catalog.activate(COURSE)


def test_a_private_file_reads_as_the_courses_words(course_with):
    course_with("privatewords", f"{{{SECRET!r}: 'the answers'}}")
    assert grader_paths.hide(f"could not open {SECRET}: denied") == "could not open the answers: denied"


def test_without_the_hook_a_path_still_shows_only_its_last_part(course_with):
    course_with("nohook", None)
    assert grader_paths.private_files() == {}
    assert grader_paths.hide(f"could not open {SECRET}: denied") == "could not open answers-2027.npz: denied"


def test_a_hook_that_returns_no_mapping_of_strings_is_the_courses_mistake(course_with):
    course_with("wrongshape", f"[{SECRET!r}]")
    with pytest.raises(catalog.CatalogError, match="private_files must return a mapping of paths to words"):
        grader_paths.hide("anything")
