"""Erasure on request (GDPR art. 17, LOPDGDD art. 15): every rating of one customer goes,
and every figure made from them follows.

`customer_erase` runs in one transaction, holding the rollups' watermark row (so
no refresh, rebuild or other erasure interleaves) and the customer's row (which
waits for ingests that are linking ratings to it, see `touchpoints.customers`):

1. the customer's ratings the rollups have counted (id ≤ the watermark) are
   aggregated as the rollups were (touchpoint × local day × segment) and taken
   out of `DailyRollup` with one UPDATE … FROM, and the terms of their comments
   the words have counted (id ≤ the terms watermark, locked too) out of
   `TermCount` / `TermForm`; rows left at zero are deleted, so the tables equal
   a clean rebuild (the erasure tests compare them). Ratings past a watermark
   were never counted there: deleting them is enough;
2. the ratings and the customer row are deleted;
3. the erasure is recorded (when, by whom, how many; never the reference nor its hash);
4. the organization's heatmap and key-driver snapshots are deleted (a snapshot
   keeps verbatim comments of critical moments) and recomputed after commit.

An unknown reference runs the very same statements on no rows, and answers the
same way with 0: the answer's timing does not tell whether a reference was known.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from journeys.models import ApiToken, Organization, ServiceCycle
from touchpoints.customers import CUSTOMERS, customer_hash, customer_reference_problem, customer_secret
from touchpoints.models import CustomerErasure, Touchpoint

from .comment_terms import TERM_COUNTS, TERM_FORMS, terms_subtract
from .models import HeatmapSnapshot, KeyDriverSnapshot
from .rollups import COUNT_COLUMNS, RATINGS, ROLLUPS, aggregate_sql, bump_cycle_versions, zone_statements
from .services.refresh import _terms_watermark_locked, _watermark_locked, heatmaps_queue

# No customer has this id: an unknown reference runs the same statements on no rows.
NOBODY = 0


@transaction.atomic
def customer_erase(*, organization: Organization, reference: str, by: User | None = None,
                   token: ApiToken | None = None) -> CustomerErasure:
    """Remove every rating of the customer `reference` names in `organization`, bring
    rollups, term counts and snapshots up to date, record the erasure and return the
    record (`ratings`: how many went; 0 for a reference Momento does not know)."""
    if problem := customer_reference_problem(reference):
        raise ValidationError({"customer": [problem.message]})
    key = customer_hash(customer_secret(organization_id=organization.pk), reference)
    watermark = _watermark_locked()
    with connection.cursor() as cursor:
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        cursor.execute(f"SELECT id FROM {CUSTOMERS} WHERE organization_id = %s AND key = %s{lock}",
                       [organization.pk, key])
        found = cursor.fetchone()
        customer_id = found[0] if found else NOBODY
        touched = _rollups_subtract(cursor, customer_id, watermark.last_rating_id)
        _terms_subtract(cursor, customer_id, _terms_watermark_locked().last_rating_id, touched)
        cursor.execute(f"DELETE FROM {RATINGS} WHERE customer_id = %s", [customer_id])
        removed = cursor.rowcount
        cursor.execute(f"DELETE FROM {CUSTOMERS} WHERE id = %s", [customer_id])
    # Every cycle of the organization, known reference or not: the same work either way.
    bump_cycle_versions(set(Touchpoint.objects.filter(organization=organization).values_list("pk", flat=True)))
    cycle_ids = list(ServiceCycle.objects.filter(organization=organization).order_by("pk").values_list("pk", flat=True))
    HeatmapSnapshot.objects.filter(cycle_id__in=cycle_ids).delete()
    KeyDriverSnapshot.objects.filter(cycle_id__in=cycle_ids).delete()
    heatmaps_queue(cycle_ids)
    return CustomerErasure.objects.create(organization=organization, erased_by=by, token=token, ratings=removed)


def _rollups_subtract(cursor, customer_id: int, high: int) -> set[int]:
    """Take the customer's counted ratings out of the rollups; delete the rows left
    empty; return the touchpoints touched."""
    columns = ", ".join(f"{column} = {ROLLUPS}.{column} - gone.{column}" for column in COUNT_COLUMNS)
    touched: set[int] = set()

    def build(*, touchpoint_filter: bool, spans: int) -> str:
        return aggregate_sql(touchpoint_filter=touchpoint_filter, spans=spans, customer_filter=True)

    for select, params, _touchpoints in zone_statements(low=0, high=high, cycle_id=None, build=build):
        cursor.execute(f"""
            UPDATE {ROLLUPS} SET {columns} FROM ({select}) AS gone
             WHERE {ROLLUPS}.touchpoint_id = gone.touchpoint_id AND {ROLLUPS}.day = gone.day
               AND {ROLLUPS}.segment_key = gone.segment_key
            RETURNING {ROLLUPS}.touchpoint_id
        """, {**params, "customer": customer_id})
        touched.update(row[0] for row in cursor.fetchall())
    ids = sorted(touched) or [NOBODY]
    cursor.execute(f"DELETE FROM {ROLLUPS} WHERE n = 0 AND touchpoint_id IN ({', '.join(['%s'] * len(ids))})", ids)
    return touched


def _terms_subtract(cursor, customer_id: int, high: int, touched: set[int]) -> None:
    """Take the words of the customer's counted comments out of the term counts and forms."""
    ids = sorted(touched | terms_subtract(customer_id=customer_id, high=high)) or [NOBODY]
    placeholders = ", ".join(["%s"] * len(ids))
    cursor.execute(f"DELETE FROM {TERM_COUNTS} WHERE documents = 0 AND occurrences = 0 "
                   f"AND touchpoint_id IN ({placeholders})", ids)
    cursor.execute(f"DELETE FROM {TERM_FORMS} WHERE occurrences = 0 AND touchpoint_id IN ({placeholders})", ids)


def erasures_recent(*, organization: Organization, limit: int = 20) -> list[CustomerErasure]:
    """The organization's latest erasures, newest first (for the page)."""
    return list(CustomerErasure.objects.filter(organization=organization).select_related("erased_by", "token")
                [:limit])
