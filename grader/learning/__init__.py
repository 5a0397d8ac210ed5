"""The learner's tools: watch, list, hint, show, the notebook entrance and the saved state."""
