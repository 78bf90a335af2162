"""District progress reports (issue 7): figures, trend and forecast, as page, PDF, Excel and HTML.

One call makes a report; the forms only render it::

    with factory() as session:
        report = build_report(session, on=date(2026, 11, 28), district_ids=None, wave=None)
    pdf = to_pdf(report)        # A4, Swedish, title page, summary, one section per district
    xlsx = to_xlsx(report)      # one sheet per table, real numbers
    html = to_html(report)      # the same document for the browser

Modules, one per concern:

* ``report``: ``build_report``, the ``Report`` and the Swedish labels of every figure (``FIGURES``);
* ``figures``: every count per district at many days at once (set-based, NumPy and sparse sums);
* ``forecast``: the completion date from the pace achieved and the crews planned, with an 80 %
  range from a bootstrap over the weeks measured; for what-if questions (crews, consent rate)
  rerun ``forecast_completion`` on ``Report.forecast_inputs``;
* ``document`` (HTML and PDF), ``excel``, ``charts`` (Altair, for the app), ``maps`` (the district
  map coloured by progress, for ``planner.geo.mapview``), ``svg`` (drawings for the PDF);
* ``cli``: ``planner report``.

Names are imported lazily so that ``planner --help`` does not load the report machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.reports.document import to_html, to_pdf
    from planner.reports.excel import to_xlsx
    from planner.reports.forecast import Forecast, ForecastInputs, forecast_completion
    from planner.reports.report import (
        FIGURES,
        Figure,
        Report,
        ReportError,
        ReportOptions,
        build_report,
        district_ids_by_name,
        report_options,
    )

_LAZY = {
    "FIGURES": "report",
    "Figure": "report",
    "Report": "report",
    "ReportError": "report",
    "ReportOptions": "report",
    "build_report": "report",
    "district_ids_by_name": "report",
    "report_options": "report",
    "Forecast": "forecast",
    "ForecastInputs": "forecast",
    "forecast_completion": "forecast",
    "to_html": "document",
    "to_pdf": "document",
    "to_xlsx": "excel",
}

__all__ = [
    "FIGURES",
    "Figure",
    "Forecast",
    "ForecastInputs",
    "Report",
    "ReportError",
    "ReportOptions",
    "build_report",
    "district_ids_by_name",
    "forecast_completion",
    "report_options",
    "to_html",
    "to_pdf",
    "to_xlsx",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'planner.reports' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(f"planner.reports.{module}"), name)
