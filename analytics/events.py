"""What analytics announces to the apps above it (momento.events).

- `alerts_opened(alert_ids)`: alerts opened by a scan (analytics.services.alerts)
  are committed (reviews e-mails the people concerned and calls the webhooks).
- `alerts_closed(alert_ids)`: alerts closed, each with its reason in `close_reason`.
"""

from __future__ import annotations

from momento.events import Event

alerts_opened = Event("alerts_opened", arguments=("alert_ids",))
alerts_closed = Event("alerts_closed", arguments=("alert_ids",))
