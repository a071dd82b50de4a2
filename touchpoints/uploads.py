"""What an uploaded ratings file may declare itself to be.

The content decides in the end (csv_io / csv_preview refuse binary and
non-UTF-8 files line by line); this refuses early, with a clear message, a
file whose declared type says it is something else (an image, a PDF, a
spreadsheet in a binary format). Browsers label CSV files inconsistently
(Windows often says application/vnd.ms-excel or application/octet-stream),
so every label a CSV is known to travel under is accepted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CSV_CONTENT_TYPES = frozenset({
    "", "text/csv", "text/plain", "text/x-csv", "application/csv", "application/x-csv",
    "text/comma-separated-values", "text/x-comma-separated-values", "application/vnd.ms-excel",
    "application/octet-stream",
})


def csv_upload_type_check(*, upload) -> None:
    """Raise ValidationError when the upload's declared content type is not one a CSV travels under."""
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared not in CSV_CONTENT_TYPES:
        raise ValidationError(
            _("This is not a CSV file (it was sent as %(type)s). Export the ratings as CSV (UTF-8) and try again.")
            % {"type": declared}
        )
