"""What touchpoints announces to the apps above it (momento.events).

- `ratings_stored(organization_id)`: new ratings of this organization are
  committed (analytics folds them into its rollups, debounced).
- `touchpoint_removed(cycle_id)`: a touchpoint of the cycle was deleted
  (analytics closes its open alert, "the touchpoint was deleted").
"""

from __future__ import annotations

from momento.events import Event

ratings_stored = Event("ratings_stored", arguments=("organization_id",))
touchpoint_removed = Event("touchpoint_removed", arguments=("cycle_id",))
