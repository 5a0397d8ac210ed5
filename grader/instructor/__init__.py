"""The instructor's tools: batch grading, its child process, LMS exports and notebooks, dev check."""
