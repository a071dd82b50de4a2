"""REST API of touchpoints, by topic: `structure` (touchpoints, segments), `ratings`
(record, upload, list), `export` (CSV), `schemas` (documented answer shapes)."""

from .export import CycleRatingsExportView
from .ratings import RatingViewSet
from .structure import SegmentViewSet, TouchpointViewSet

__all__ = ["CycleRatingsExportView", "RatingViewSet", "SegmentViewSet", "TouchpointViewSet"]
