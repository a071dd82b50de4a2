"""Open a week's review items by hand (what the Monday 06:00 schedule does)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from journeys.models import ServiceCycle
from reviews import emails, selectors, services
from reviews.models import Trigger


class Command(BaseCommand):
    help = (
        "Open the review items of one ISO week (default: the last complete week in each cycle's time zone) "
        "for one cycle or every active cycle, then send the digest. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, action="append", dest="cycles",
                            help="Cycle id (repeatable). Default: every cycle that is not archived.")
        parser.add_argument("--week", help="ISO week, e.g. 2026-W47. Default: the last complete week.")
        parser.add_argument("--no-digest", action="store_true", help="Open the items but send no e-mail.")

    def handle(self, *args: Any, **options: Any) -> None:
        cycles = ServiceCycle.objects.select_related("organization").order_by("pk")
        if options["cycles"]:
            cycles = cycles.filter(pk__in=options["cycles"])
            missing = set(options["cycles"]) - set(cycles.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No cycle with id {', '.join(map(str, sorted(missing)))}.")
        else:
            cycles = cycles.filter(archived=False)
        week: dt.date | None = None
        if options["week"]:
            try:
                week = selectors.iso_week_parse(options["week"])
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        for cycle in cycles:
            week_start = week or selectors.last_complete_week(cycle=cycle)
            label = selectors.iso_week_label(week_start)
            try:
                items = services.review_week_open(cycle=cycle, week_start=week_start, trigger=Trigger.COMMAND)
            except ValidationError as error:
                raise CommandError(f"{cycle.name} {label}: {' '.join(error.messages)}") from None
            total = cycle.review_items.filter(week_start=week_start).count()
            self.stdout.write(f"{cycle.name} ({cycle.timezone}) {label}: {len(items)} items opened now, "
                              f"{total} critical in all")
            for item in items:
                where = f"{item.moment.name}" + (f" › {item.touchpoint.name}" if item.touchpoint is not None else "")
                self.stdout.write(f"  - {where}: {item.dissatisfied}/{item.n} dissatisfied, "
                                  f"Wilson low {item.wilson_low:.2f}, severity {item.severity:.1f}, "
                                  f"{item.get_trend_display()}"
                                  f"{f', week {item.streak} in a row' if item.streak > 1 else ''}")
                for row in item.critical_touchpoints.select_related("touchpoint"):
                    self.stdout.write(f"      · {row.touchpoint.name}: {row.dissatisfied}/{row.n} dissatisfied, "
                                      f"Wilson low {row.wilson_low:.2f}, {row.get_trend_display()}")
            if not options["no_digest"]:
                sent = emails.review_digest_send(cycle=cycle, week_start=week_start)
                self.stdout.write(f"  digest: {sent} e-mail(s) sent" if sent else "  digest: nothing to send "
                                  "(already sent or no recipients)")
