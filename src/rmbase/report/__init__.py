"""Reports: the Markdown summary of a study (and, later, a self-contained HTML report with figures)."""
