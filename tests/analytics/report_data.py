"""A cycle worth a report (issue 19, item 5): issue 15's airline (two critical moments
with what their customers say, a healthy flight), protocols on its moments and a
review of last week with an owner and actions; and how to read a PDF's text."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from pypdf import PdfReader

from reviews.models import ActionItem, ReviewItem, ReviewStatus
from reviews.selectors import week_monday
from tests.analytics.comment_data import airline_with_comments

PROTOCOLS = {"Baggage claim": "Tell the customer where the bag is within 10 minutes → ≥ 1 call",
             "Check-in": "Reboot the kiosk and guide the passenger to the desk"}


def report_airline(*, organization, owner):
    cycle = airline_with_comments(organization=organization, hostile=True, name="Aerolínea Ñandú → ≥ 2026")
    for name, protocol in PROTOCOLS.items():
        cycle.moments.filter(name=name).update(protocol=protocol)
    baggage = cycle.moments.get(name="Baggage claim")
    monday = week_monday(timezone.localdate() - dt.timedelta(days=7))
    item = ReviewItem.objects.create(
        organization=organization, cycle=cycle, moment=baggage, week_start=monday, n=40, dissatisfied=30,
        share=0.75, wilson_low=0.6, wilson_high=0.86, severity=24, owner=owner,
        status=ReviewStatus.ACTION_PLANNED, notes="Carousel 3 jams since Monday")
    ActionItem.objects.create(review_item=item, text="Second carousel team on Sundays", due_date=monday + dt.timedelta(
        days=14))
    ActionItem.objects.create(review_item=item, text="Call the carousel supplier", done=True)
    return cycle


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)
