"""The learner's report as HTML for a notebook: the terminal report's layout, written as HTML.

The layout is :func:`grader.writers.terminal.render`'s; only the medium differs. Every text
is cleaned and escaped (:func:`grader.writers.escaping.html`), and the report speaks in
the learner's terms by default (``elsewhere``: a notebook may run on a hub whose paths are
not the learner's; see :mod:`grader.writers.grader_paths`).
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.style import Style
from rich.text import Text

from grader.core.results import GradeReport
from grader.writers import escaping
from grader.writers.terminal import Writer, render


def report_html(report: GradeReport, *, verbose: bool = False, learner_view: bool = False,
                elsewhere: bool = True) -> str:
    """The report as HTML for a notebook: readable in light and dark themes, every learner text escaped.

    The text inherits the notebook's foreground colour; code blocks get a translucent grey
    background (no white or black is hard-coded), statuses mid-tone colours that read on both.
    ``elsewhere`` (the default): no path of the machine that graded it, the learner's file
    names and the course's pages instead.
    """
    writer = HtmlWriter()
    render(report, writer, verbose=verbose, learner_view=learner_view, elsewhere=elsewhere)
    return writer.html()


# Mid-tone colours that read on a light and on a dark background alike.
_HTML_COLOURS = {
    "red": "#d0453b", "green": "#2f9e44", "yellow": "#b8860b", "blue": "#3b7dd8", "magenta": "#b64fc8",
    "cyan": "#1c9aa8", "white": "inherit", "black": "inherit",
}
_CODE_STYLE = ("background: rgba(127, 127, 127, 0.12); color: inherit; padding: 0.4em 0.6em; margin: 0.2em 0 0.4em "
               "{indent}ch; border-radius: 4px; white-space: pre; overflow-x: auto; font-family: inherit")
_BLOCK_STYLE = ("background: transparent; color: inherit; padding: 0; margin: 0.2em 0 0.4em {indent}ch; "
                "white-space: pre; overflow-x: auto; font-family: inherit")


class HtmlWriter(Writer):
    """The report as HTML: rich styles become inline CSS, every text is escaped."""

    def __init__(self):
        self.parts: list[str] = []

    def html(self) -> str:
        body = "\n".join(self.parts)
        return ('<div class="pixelgrade-report" style="font-family: var(--jp-code-font-family, monospace); '
                f'color: inherit; background: transparent; line-height: 1.45">\n{body}\n</div>')

    def line(self, markup: str, *, wrap: bool = True) -> None:
        # Parsed whole, then split: a learner's text may hold a newline inside a styled span.
        for piece in Text.from_markup(escaping.plain(markup)).split("\n", allow_blank=True):
            inner = "".join(_html_span(segment.text, segment.style) for segment in piece.render(_PLAIN_CONSOLE))
            white_space = "pre-wrap" if wrap else "pre"
            self.parts.append(f'<div style="white-space: {white_space}; min-height: 1.45em">{inner}</div>')

    def prose(self, text: str, indent: int, *, style: str = "", wrap: bool = True) -> None:
        colour = _html_style(Style.parse(style)) if style else ""
        white_space = "pre-wrap" if wrap else "pre"
        self.parts.append(f'<div style="white-space: {white_space}; margin-left: {indent}ch;{colour}">'
                          f"{escaping.html(text)}</div>")

    def code(self, text: str, indent: int) -> None:
        self.parts.append(f'<pre style="{_CODE_STYLE.format(indent=indent)}">{escaping.html(text)}</pre>')

    def block(self, text: str, indent: int) -> None:
        self.parts.append(f'<pre style="{_BLOCK_STYLE.format(indent=indent)}">{escaping.html(text)}</pre>')


_PLAIN_CONSOLE = Console(file=io.StringIO(), color_system=None, force_jupyter=False, force_terminal=False)


def _html_style(style: Style | None) -> str:
    if style is None:
        return ""
    css = []
    if style.color is not None and not style.color.is_default:
        name = style.color.name.removeprefix("bright_")
        css.append(f"color: {_HTML_COLOURS.get(name) or style.color.get_truecolor().hex}")
    if style.bold:
        css.append("font-weight: bold")
    if style.dim:
        css.append("opacity: 0.7")
    if style.italic:
        css.append("font-style: italic")
    if style.underline:
        css.append("text-decoration: underline")
    return "; ".join(css)


def _html_span(text: str, style: Style | None) -> str:
    css = _html_style(style)
    escaped = escaping.html(text)
    return f'<span style="{css}">{escaped}</span>' if css else escaped
