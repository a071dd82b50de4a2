"""What analytics announces to, and asks of, the apps above it (momento.events),
without importing them.

- `alerts_opened(alert_ids)`: alerts opened by a scan (analytics.services.alerts)
  are committed (reviews e-mails the people concerned and calls the webhooks).
- `alerts_closed(alert_ids)`: alerts closed, each with its reason in `close_reason`.
- `report_sections(cycle, period)` (contribution) → {key: {"order": n, "section": s}}:
  sections a higher app adds to a cycle's PDF report (analytics.report), drawn in
  `order` among the report's own (cover 10, heatmap 30, emotion curve 40, critical
  moments 50). `s` has `draw(document, report)` (analytics.report.ReportSection).
  Reviews adds the week's review items (order 60).
"""

from __future__ import annotations

from momento.events import Contribution, Event

alerts_opened = Event("alerts_opened", arguments=("alert_ids",))
alerts_closed = Event("alerts_closed", arguments=("alert_ids",))
report_sections = Contribution("report_sections", arguments=("cycle", "period"))
