"""The pixelgrade course: its catalog (``course.toml``), its checks, and what they share.

The engine (:mod:`grader`) reads the catalog and runs the checks; everything that
names an exercise lives here: the checks and the misconceptions (``checks/``), the
digits' recipes and budgets (:mod:`course.mlcheck`) and the pictures that
``pixelgrade show`` draws (:mod:`course.renderings`).
"""
