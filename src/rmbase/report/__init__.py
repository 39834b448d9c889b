"""Reports of a study: summary.md (tables), report.html (the answer first, figures, sortable tables) and figures/.

``write_report(study, out)`` and ``rebuild_report(folder)`` live in :mod:`rmbase.report.study_page`;
``write_recommendation_html(result, path)`` in :mod:`rmbase.report.recommend_page`. matplotlib is imported
lazily, inside the functions that draw.
"""

from __future__ import annotations


def write_report(study: dict, out, n_jobs: int | None = None):
    from rmbase.report.study_page import write_report as _write

    return _write(study, out, n_jobs)


def rebuild_report(folder):
    from rmbase.report.study_page import rebuild_report as _rebuild

    return _rebuild(folder)


def write_recommendation_html(result: dict, path):
    from rmbase.report.recommend_page import write_recommendation_html as _write

    return _write(result, path)
