"""The kit for writing checks: comparisons that explain themselves, inputs, marks, speed, pictures."""
