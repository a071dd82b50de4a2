"""What analytics asks of the apps above it (momento.events), without importing them.

- `report_sections(cycle, period)` (contribution) → {key: {"order": n, "section": s}}:
  sections a higher app adds to a cycle's PDF report (analytics.report), drawn in
  `order` among the report's own (cover 10, heatmap 30, emotion curve 40, critical
  moments 50). `s` has `draw(document, report)` (analytics.report.ReportSection).
  Reviews adds the week's review items (order 60).
"""

from __future__ import annotations

from momento.events import Contribution

report_sections = Contribution("report_sections", arguments=("cycle", "period"))
