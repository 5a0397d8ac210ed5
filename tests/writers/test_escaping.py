"""What every output does to the text it quotes (grader/writers/escaping.py), and learner text without
the grading machine's paths (grader/writers/grader_paths.py)."""

import csv
import io

import pytest

from grader.core import catalog
from grader.writers import escaping, grader_paths

ANSI = "\x1b[31mred\x1b[0m \x1b]0;a new window title\x07 \x1b[2J\x1b[H"


def test_plain_text_keeps_no_escape_sequence_or_control_character():
    text = escaping.plain(f"a {ANSI} b\x00\x08\x7f\x9b\u202eevil\ud800 c\r\nd\re\tf")
    assert text == "a red   bevil c\nd\ne\tf"
    assert escaping.plain(None) == "" and escaping.plain(42) == "42"


def test_names_and_notes_are_cut_to_a_few_hundred_characters_on_one_line():
    name = escaping.name("x" * 5_000_000 + "\nsecond line")
    assert len(name) == escaping.NAME_LIMIT and name.endswith("…")
    assert escaping.name("a\n\tb  c") == "a b c"
    assert len(escaping.note("y" * 10_000)) == escaping.NOTE_LIMIT


@pytest.mark.parametrize("text", ["a | b", "`code`", "[link](http://evil.example)", "![img](x.png)", "**bold**",
                                  "<script>alert(1)</script>", "~~gone~~", "_em_", "a\nb", "&amp;"])
def test_markdown_shows_the_characters_and_makes_nothing_of_them(text):
    escaped = escaping.markdown(text)
    assert "\n" not in escaped and "<" not in escaped and ">" not in escaped
    # Every Markdown character left is escaped by a backslash: no code span, link, table cell or emphasis.
    unescaped = escaped.replace("\\\\", "")
    for special in "`|[]*~_":
        assert all(unescaped[i - 1] == "\\" for i, c in enumerate(unescaped) if c == special), (text, escaped)
    assert escaping.markdown("a & b") == "a &amp; b"


def test_html_escapes_markup_and_quotes():
    assert escaping.html('<b onclick="x">\'&\x1b[31m') == "&lt;b onclick=&quot;x&quot;&gt;&#x27;&amp;"


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =1"])
def test_a_csv_cell_is_never_a_formula(value):
    cell = escaping.csv_cell(value)
    assert cell.startswith("'") and "\r" not in cell and "\t" not in cell


def test_a_csv_writer_never_fails_on_a_cell_and_a_reader_reads_it_back():
    hostile = ["\x00nul", "\ud800 lone surrogate", "x" * 1_000_000, 'quote " and, comma\nnewline', None, 3.5]
    out = io.StringIO()
    csv.writer(out).writerow([escaping.csv_cell(value) for value in hostile])
    out.getvalue().encode("utf-8")  # no lone surrogate left to fail the file's encoding
    row = next(csv.reader(io.StringIO(out.getvalue())))  # within the reader's default field limit
    assert row[0] == "nul" and len(row[2]) == escaping.CSV_CELL_LIMIT and row[3] == 'quote " and, comma newline'
    assert row[4] == "" and row[5] == "3.5"


def test_xml_text_drops_escape_sequences_and_shows_other_controls():
    assert escaping.xml_text("bell \x07 and \x1b[31mred") == "bell \\x07 and red"


def test_learner_text_names_no_path_of_the_grading_machine(monkeypatch, tmp_path):
    mnist = tmp_path / "shared" / "mnist.npz"
    monkeypatch.setenv("PIXELGRADE_MNIST", str(mnist))
    target = "class-canvas/lee_ann_123_456_histogram.py"
    text = (f"Read {catalog.active().docs_dir / '03-histogram.md'}; Edit {target}/histogram.py; cannot read {mnist}; "
            f'File "/tmp/pixelgrade-x1/submission/histogram.py", line 3; see https://numpy.org/doc/stable/x.html; '
            "1/2 and a/b stay")
    hidden = grader_paths.hide(text, target)
    assert hidden == ("Read docs/03-histogram.md; Edit your submission/histogram.py; cannot read the MNIST data; "
                      'File "histogram.py", line 3; see https://numpy.org/doc/stable/x.html; 1/2 and a/b stay')
    assert grader_paths.course_page(catalog.active().docs_dir / "03-histogram.md") == "docs/03-histogram.md"
