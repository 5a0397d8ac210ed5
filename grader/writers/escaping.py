"""One place for what every output does to the text it quotes: cut it, clean it, escape it for its format.

Names, notes and messages can come from a submission (a file name inside an archive, a
learner's exception message, the output of their code), so no output may trust them:

- :func:`plain`: printable text, whatever it came from: no terminal escape sequence (ANSI
  CSI/OSC), no C0 or C1 control character but newline and tab, no bidirectional override
  (text that reads differently from what it is), no lone surrogate (a file name that is
  not UTF-8), cut to a length; what the batch stores (:func:`name`, :func:`note`) and what a
  terminal or a plain-text file shows (:func:`terminal`);
- :func:`markdown`: one line of Markdown (a table cell, a list item): backticks, pipes,
  brackets, emphasis and HTML shown as the characters they are;
- :func:`html`: text for HTML (Jinja2's autoescape does the same in the class report's template);
- :func:`csv_cell`: a spreadsheet cell that is never a formula (``=``, ``+``, ``-``, ``@``,
  tab or carriage return first get a leading ``'``, as OWASP advises) and that no CSV
  reader refuses (one line, cut);
- :func:`xml_text`: text that XML 1.0 can hold (JUnit).
"""

from __future__ import annotations

import html as _html
import re

NAME_LIMIT = 300  # a name from a submission (a file, a folder, a member of an archive), as every output quotes it
NOTE_LIMIT = 1000  # a note about a submission (what staging left out, why it is not graded)
CSV_CELL_LIMIT = 10_000  # well under the 131,072 characters a CSV reader accepts by default
ELLIPSIS = "…"

# Escape sequences first (so that their parameters go with them), then single control characters.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor movement, clearing the screen
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # the other two- and three-character sequences, and a lone ESC
)
# C0 controls but tab and newline, DEL, C1 controls, bidirectional overrides and isolates,
# and lone surrogates (what Python makes of a file name that is not UTF-8).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Markdown's inline punctuation: code spans, emphasis, links and images (no "]", no link), tables, strikethrough.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def cut(text: str, limit: int | None) -> str:
    """``text`` at most ``limit`` characters long, ending in "…" where it was cut (``None``: as it is)."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def plain(text, limit: int | None = None) -> str:
    """``text`` as printable text: no escape sequences, no control characters but newline and tab, cut.

    Carriage returns become newlines (a bare one would let a line overwrite what came
    before it on a terminal). Anything that is not a string is shown as ``str`` shows it.
    """
    text = "" if text is None else str(text)
    if limit is not None:
        text = text[: 4 * limit + 64]  # never clean megabytes to keep a few hundred characters
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
    return cut(text, limit)


def one_line(text, limit: int | None = None) -> str:
    """:func:`plain` text on one line: every run of whitespace (newlines, tabs) one space."""
    raw = "" if text is None else str(text)
    if limit is not None:
        raw = raw[: 4 * limit + 64]
    return cut(" ".join(plain(raw).split()), limit)


def name(text) -> str:
    """A name from a submission (a file, a folder, an archive's member) as it may be quoted: one line, cut."""
    return one_line(text, NAME_LIMIT)


def path_name(text) -> str:
    """A path inside a submission as it may be quoted: like :func:`name`, but cut at the front ("…/histogram.py"),
    so that the file it names stays in sight."""
    line = one_line(str(text)[-4 * NAME_LIMIT:])
    return line if len(line) <= NAME_LIMIT else ELLIPSIS + line[-(NAME_LIMIT - 1):]


def note(text) -> str:
    """A note about a submission (the batch's words around its names) as it may be stored: one line, cut."""
    return one_line(text, NOTE_LIMIT)


def terminal(text) -> str:
    """Text for a terminal or a plain-text file: nothing in it can move the cursor, colour or retitle it."""
    return plain(text)


def markdown(text, limit: int | None = None) -> str:
    """One line of Markdown that shows ``text`` as it is: no link, image, code span, emphasis, table or HTML.

    HTML's ``<``, ``>`` and ``&`` become character references (GitHub renders them as the
    characters); Markdown's punctuation is backslash-escaped, which CommonMark allows
    before any ASCII punctuation.
    """
    line = one_line(text, limit)
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", line)


def html(text) -> str:
    """``text`` for HTML (an element's text or an attribute's value): printable, ``<>&"'`` escaped."""
    return _html.escape(plain(text), quote=True)


def csv_cell(value, limit: int = CSV_CELL_LIMIT) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula, and that any CSV reader reads.

    A cell whose first character (spaces aside) would start a formula gets a leading ``'``
    (OWASP's advice for CSV injection); the text is one line, printable and cut to ``limit``.
    """
    text = one_line(value, limit)
    if text.lstrip(" ").startswith(_FORMULA_START) or str(value or "").startswith(_FORMULA_START):
        text = "'" + text
    return text


def xml_text(text) -> str:
    """``text`` that XML 1.0 can hold: escape sequences and bidirectional overrides removed, the other
    control characters shown as ``\\xNN`` (newlines and tabs kept, a carriage return a newline)."""
    text = "" if text is None else str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _BIDI.sub("", _ESCAPE_SEQUENCE.sub("", text))
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
