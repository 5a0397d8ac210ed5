"""The kit for writing checks: comparisons that explain themselves, marks, speed, pictures.

A course brings its own inputs (strategies, sample data) as modules of its own, beside its
``course.toml``; this course's are in ``course/imagecourse/``.
"""
