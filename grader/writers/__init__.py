"""The report writers: they only serialise results, one module per format.

A format serialises a single grading (a :class:`~grader.core.results.GradeReport`) and a
batch (a :class:`~grader.writers.batch_report.BatchReport`, or one of its rows) where both make sense:

- :mod:`~grader.writers.terminal`: the learner's report on a terminal, or as plain text;
- :mod:`~grader.writers.notebook_html`: the same report as HTML, for a notebook;
- :mod:`~grader.writers.learner_feedback`: the learner's view as plain text, of a report or of a row;
- :mod:`~grader.writers.json_results`: JSON of a report, a row or a batch;
- :mod:`~grader.writers.junit_xml`: JUnit XML of a report or a batch;
- :mod:`~grader.writers.markdown`: a Markdown summary of a report or a batch;
- :mod:`~grader.writers.gradescope`: Gradescope's ``results.json`` of a row;
- :mod:`~grader.writers.csv_gradebook`: ``gradebook.csv`` of a batch;
- :mod:`~grader.writers.lms_canvas`, :mod:`~grader.writers.lms_moodle`, :mod:`~grader.writers.lms_gradescope`:
  a batch's grades as Canvas's and Moodle's grade imports and Gradescope's roster read them
  (:mod:`~grader.writers.lms_rows`: what they share);
- :mod:`~grader.writers.class_report`: the class report (HTML) of a batch;
- :mod:`~grader.writers.gradebook`: the gradebook folder, every output of a batch written and read back.

The batch's data itself is :mod:`~grader.writers.batch_report` (the batch grader makes it, the
writers write it; no writer imports an instructor module). Terminal helpers the tools share:
:mod:`~grader.writers.progress` (progress bars) and :mod:`~grader.writers.invocation` (the
command a report tells the learner to type).

Two modules every writer uses: :mod:`~grader.writers.escaping` (one place for what a format
does to the text it quotes: Markdown, HTML, terminal escape codes, CSV formulas, XML) and
:mod:`~grader.writers.grader_paths` (learner-facing text without the grading machine's paths).
Only submissions get a row and learner-facing files; an entry that is no submission
(README.txt) is listed as skipped in the summary and the class report.
"""
