"""The database side of the simulated run: what it reads back is the assessment services'.

The frames and draws are `services/draws.py`'s, the figures from the records (the draw replayed
from its seeds and checked item by item, stored submissions, problems confirmed at 终核) are
`services/results.py`'s: the demo computes its results the way the working group does.
"""

from __future__ import annotations

from fupin.assessments.services import county_figures_recorded, county_frame
from fupin.assessments.services.results import RECOGNITION_QUESTIONS

__all__ = ["RECOGNITION_QUESTIONS", "RunError", "county_figures_recorded", "county_frame"]


class RunError(RuntimeError):
    """The simulation cannot run (no truth file, a county not in the registry, ...)."""
