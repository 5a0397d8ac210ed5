"""The core: the catalog, running the checks, and the results they give."""
