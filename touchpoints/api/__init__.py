"""REST API of touchpoints, by topic: `structure` (touchpoints, segments), `ratings`
(record, upload, list), `export` (CSV), `schemas` (documented answer shapes),
`survey_links` (public survey links and per-recipient links)."""

from .export import CycleRatingsExportView
from .ratings import RatingViewSet
from .structure import SegmentViewSet, TouchpointViewSet
from .survey_links import SurveyLinkViewSet

__all__ = ["CycleRatingsExportView", "RatingViewSet", "SegmentViewSet", "SurveyLinkViewSet", "TouchpointViewSet"]
