"""Counting the words of new comments into `TermCount` / `TermForm`.

Run under the terms watermark (`analytics.services.refresh`), over a rating id
range and the rollups' days, so a comment's words are counted exactly once. The database selects the new comments that are more
than white space, of organizations that analyse comments, each with its
touchpoint, local day (one statement per time zone, as the rollups) and
segment; `analytics.text.comment_terms`, the one implementation of the rules
(which the examples of an insight use too), cuts each into its terms; the
counts per touchpoint × day × segment × term and the forms per touchpoint ×
term × form are added with one INSERT … ON CONFLICT each.

The words are cut and tallied here, in the worker, rather than in SQL: the same
rules written as one PostgreSQL statement (regexp_split_to_array, ts_lexize,
two window passes and two hash aggregates over every word) cost about 100 µs a
comment, against about 10 µs here, and the worker counts words at the rate
REST clients push them (issue 20's mixed load). The table the counts go to,
and every read of it, stay in the database. A range's comments stream in
order of day, so a full rebuild holds at most about `FLUSH_KEYS` counts.

Comments of organizations that switched analysis off are not read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections import Counter
from collections.abc import Iterable

from django.db import connection

from journeys.models import Organization

from . import text
from .models import CORPUS, TermCount, TermForm
from .rollups import RATINGS, local_day_sql, touchpoint_condition, zone_statements

TERM_COUNTS = TermCount._meta.db_table
TERM_FORMS = TermForm._meta.db_table
ORGANIZATIONS = Organization._meta.db_table
COUNT_COLUMNS = ("occurrences", "documents", "dissatisfied_occurrences", "dissatisfied_documents")
COUNT_KEY = ("touchpoint_id", "day", "segment_key", "term")
FORM_KEY = ("touchpoint_id", "term", "form")
# Comments fetched at a time, and the counts a tally holds before it is written (at a change of day).
FETCH_ROWS = 10_000
FLUSH_KEYS = 200_000


class Tally:
    """The words of some comments, per touchpoint × day × segment: for each term its
    occurrences, the comments that carry it, and both among dissatisfied customers;
    the corpus (every comment, and its number of terms); and per touchpoint how
    often each term was written each way (its forms).

    Kept as `Counter`s fed whole comments at a time: their C loops count the terms,
    where a Python loop over every term of every comment cost twice the cutting."""

    def __init__(self) -> None:
        # (touchpoint, day, segment) → Counters of term: occurrences, comments, and the dissatisfied's.
        self.groups: dict[tuple[int, dt.date, int], tuple[Counter, Counter, Counter, Counter]] = {}
        # (touchpoint, day, segment) → [terms, comments, dissatisfied terms, dissatisfied comments]
        self.corpus: dict[tuple[int, dt.date, int], list[int]] = {}
        self.forms: dict[int, Counter] = {}  # touchpoint → Counter of (term, form)

    def add(self, touchpoint_id: int, day: dt.date, segment_key: int, dissatisfied: bool,
            found: list[tuple[str, str]]) -> None:
        """One comment and its terms (`analytics.text.comment_terms`)."""
        key = (touchpoint_id, day, segment_key)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = (Counter(), Counter(), Counter(), Counter())
            self.corpus[key] = [0, 0, 0, 0]
        terms = [term for term, _form in found]
        distinct = set(terms)
        group[0].update(terms)
        group[1].update(distinct)
        corpus = self.corpus[key]
        corpus[0] += len(terms)
        corpus[1] += 1
        if dissatisfied:
            group[2].update(terms)
            group[3].update(distinct)
            corpus[2] += len(terms)
            corpus[3] += 1
        forms = self.forms.get(touchpoint_id)
        if forms is None:
            forms = self.forms[touchpoint_id] = Counter()
        forms.update(found)

    def size(self) -> int:
        """How many TermCount rows the tally holds."""
        return sum(len(group[0]) + 1 for group in self.groups.values())

    def take_counts(self) -> Tally:
        """A tally of the counts so far (this one keeps its forms and starts its counts again)."""
        taken = Tally()
        taken.groups, taken.corpus = self.groups, self.corpus
        self.groups, self.corpus = {}, {}
        return taken

    def count_rows(self) -> list[tuple]:
        """(touchpoint, day, segment, term, occurrences, documents, dissatisfied
        occurrences, dissatisfied documents), the corpus row (term '') first."""
        rows: list[tuple] = []
        for key, (occurrences, documents, unhappy_occurrences, unhappy_documents) in self.groups.items():
            rows.append((*key, CORPUS, *self.corpus[key]))
            rows.extend((*key, term, count, documents[term], unhappy_occurrences[term], unhappy_documents[term])
                        for term, count in occurrences.items())
        return rows

    def form_rows(self) -> list[tuple]:
        """(touchpoint, term, form, occurrences)."""
        return [(touchpoint_id, term, form, count) for touchpoint_id, forms in self.forms.items()
                for (term, form), count in forms.items()]

    def touchpoint_ids(self) -> set[int]:
        return {key[0] for key in self.groups}


def _documents_sql(touchpoint_filter: bool, spans: int, customer_filter: bool = False) -> str:
    """The ratings %(low)s < id <= %(high)s with a comment that is more than white
    space, of organizations that analyse comments: touchpoint, day, segment,
    dissatisfied, comment and the organization's language; with
    `customer_filter`, only customer %(customer)s's (an erasure)."""
    not_blank = ("r.comment ~ '[^[:space:]]'" if connection.vendor == "postgresql"
                 else "trim(r.comment, ' ' || char(9, 10, 11, 12, 13)) <> ''")
    return f"""
        SELECT r.touchpoint_id, {local_day_sql(spans)} AS day, COALESCE(r.segment_id, 0) AS segment_key,
               r.dissatisfied, r.comment, o.comment_language
          FROM {RATINGS} r JOIN {ORGANIZATIONS} o ON o.id = r.organization_id
         WHERE r.id > %(low)s AND r.id <= %(high)s {touchpoint_condition(touchpoint_filter)}
           {"AND r.customer_id = %(customer)s" if customer_filter else ""}
           AND o.comment_analysis AND {not_blank}
    """


def _tallies(*, low: int, high: int, cycle_id: int | None, customer_id: int | None = None) -> Iterable[Tally]:
    """The tallies of the comments of ratings `low < id <= high` (of one cycle or
    all; of one customer). The comments stream in order of day (a server-side
    cursor on PostgreSQL), and a tally is handed over at a change of day once it
    holds `FLUSH_KEYS` counts: a rebuild's memory stays bounded, and its tallies
    never count the same row twice (each day's rows go in once, as inserts). The
    forms, far fewer, come with the last tally."""
    customer_filter = customer_id is not None

    def build(*, touchpoint_filter: bool, spans: int) -> str:
        return _documents_sql(touchpoint_filter, spans, customer_filter) + " ORDER BY 2"

    comment_terms, auto = text.comment_terms, text.AUTO
    tally = Tally()
    for statement, params, _touchpoints in zone_statements(low=low, high=high, cycle_id=cycle_id, build=build):
        with _no_cyclic_gc():
            yield from _zone_tallies(statement, {**params, "customer": customer_id} if customer_filter else params,
                                     tally, comment_terms, auto)
    if tally.groups or tally.forms:
        yield tally


@contextlib.contextmanager
def _no_cyclic_gc():
    """Cutting comments allocates millions of small tuples and lists, none in a
    cycle: Python's cyclic collector, set off by their number, walked every live
    object of the worker again and again (half the time of a rebuild's words).
    Reference counting frees them all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _zone_tallies(statement: str, params: dict, tally: Tally, comment_terms, auto: str) -> Iterable[Tally]:
    """Feed one statement's comments to `tally`, handing its counts over at a change of
    day once it holds `FLUSH_KEYS` of them."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(statement, params)
        day = None
        while rows := cursor.fetchmany(FETCH_ROWS):
            for touchpoint_id, row_day, segment_key, dissatisfied, comment, language in rows:
                if row_day != day:
                    if tally.size() >= FLUSH_KEYS:
                        yield tally.take_counts()
                    day = row_day
                tally.add(touchpoint_id, row_day, segment_key, dissatisfied,
                          comment_terms(comment, language=language or auto))


def _quoted(value: str) -> str:
    """A text element of a PostgreSQL array literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array_literals(rows: list[tuple], kinds: str) -> list[str]:
    """Rows as one PostgreSQL array literal per column ("t": text, else numbers and
    dates): unnest takes columns, and one text parameter per column costs far less to
    send and parse than an ARRAY[...] of as many parameters as rows."""
    literals = []
    for index, kind in enumerate(kinds):
        values = (row[index] for row in rows)
        elements = map(_quoted, values) if kind == "t" else map(str, values)
        literals.append("{" + ",".join(elements) + "}")
    return literals


def _tally_add(cursor, tally: Tally) -> None:
    """Add a tally's counts and forms to the tables (INSERT … ON CONFLICT … DO UPDATE)."""
    counted = sorted(tally.count_rows())
    forms = sorted(tally.form_rows())
    count_columns = ", ".join((*COUNT_KEY, *COUNT_COLUMNS))
    added = ", ".join(f"{column} = {TERM_COUNTS}.{column} + excluded.{column}" for column in COUNT_COLUMNS)
    counts_conflict = f"ON CONFLICT ({', '.join(COUNT_KEY)}) DO UPDATE SET {added}"
    forms_conflict = (f"ON CONFLICT ({', '.join(FORM_KEY)}) DO UPDATE "
                      f"SET occurrences = {TERM_FORMS}.occurrences + excluded.occurrences")
    if connection.vendor == "postgresql":
        # One statement per table whatever the number of rows: the rows as arrays, one per column.
        cursor.execute(
            f"INSERT INTO {TERM_COUNTS} ({count_columns}) SELECT * FROM unnest(%s::bigint[], %s::date[], "
            f"%s::bigint[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) {counts_conflict}",
            _array_literals(counted, "ndntnnnn"))
        cursor.execute(
            f"INSERT INTO {TERM_FORMS} ({', '.join(FORM_KEY)}, occurrences) "
            f"SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[]) {forms_conflict}",
            _array_literals(forms, "nttn"))
        return
    cursor.executemany(f"INSERT INTO {TERM_COUNTS} ({count_columns}) VALUES ({', '.join(['%s'] * 8)}) "
                       f"{counts_conflict}", counted)
    cursor.executemany(f"INSERT INTO {TERM_FORMS} ({', '.join(FORM_KEY)}, occurrences) VALUES (%s, %s, %s, %s) "
                       f"{forms_conflict}", forms)


def terms_upsert_range(*, low: int, high: int, cycle_id: int | None = None) -> set[int]:
    """Add the terms of the comments of ratings `low < id <= high` (of one cycle or
    all); return the ids of the touchpoints whose words changed. Like the rollups'
    counts, they are added: each range is applied once, under the terms watermark's
    lock the caller holds."""
    touched: set[int] = set()
    if high <= low:
        return touched
    with connection.cursor() as cursor:
        for tally in _tallies(low=low, high=high, cycle_id=cycle_id):
            _tally_add(cursor, tally)
            touched |= tally.touchpoint_ids()
    return touched


def terms_subtract(*, customer_id: int, high: int) -> set[int]:
    """Take the terms of customer `customer_id`'s counted comments (ratings up to
    `high`, the terms watermark) out of the counts and forms again, the comments' corpus
    rows included; rows left at zero are the caller's to delete. The same
    statements whether the customer commented or not (an erasure reveals nothing).
    Returns the ids of the touchpoints whose words changed."""
    by_key: dict[tuple, list[int]] = {}
    by_form: dict[tuple, int] = {}
    for tally in _tallies(low=0, high=high, cycle_id=None, customer_id=customer_id):
        for *key, occurrences, documents, unhappy_occurrences, unhappy_documents in tally.count_rows():
            summed = by_key.setdefault(tuple(key), [0, 0, 0, 0])
            for index, value in enumerate((occurrences, documents, unhappy_occurrences, unhappy_documents)):
                summed[index] += value
        for touchpoint_id, term, form, occurrences in tally.form_rows():
            by_form[(touchpoint_id, term, form)] = by_form.get((touchpoint_id, term, form), 0) + occurrences
    counted = sorted((*key, *values) for key, values in by_key.items())
    forms = sorted((*key, occurrences) for key, occurrences in by_form.items())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            taken = ", ".join(f"{column} = {TERM_COUNTS}.{column} - gone.{column}" for column in COUNT_COLUMNS)
            cursor.execute(
                f"UPDATE {TERM_COUNTS} SET {taken} FROM unnest(%s::bigint[], %s::date[], %s::bigint[], %s::text[], "
                f"%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) "
                f"AS gone({', '.join((*COUNT_KEY, *COUNT_COLUMNS))}) WHERE "
                + " AND ".join(f"{TERM_COUNTS}.{column} = gone.{column}" for column in COUNT_KEY),
                _array_literals(counted, "ndntnnnn"))
            cursor.execute(
                f"UPDATE {TERM_FORMS} SET occurrences = {TERM_FORMS}.occurrences - gone.occurrences "
                f"FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[]) "
                f"AS gone({', '.join(FORM_KEY)}, occurrences) WHERE "
                + " AND ".join(f"{TERM_FORMS}.{column} = gone.{column}" for column in FORM_KEY),
                _array_literals(forms, "nttn"))
        else:
            _subtract_one_by_one(cursor, counted, forms)
    return {key[0] for key in by_key}


def _subtract_one_by_one(cursor, counted: list[tuple], forms: list[tuple]) -> None:
    """SQLite: one UPDATE per row."""
    counts = ", ".join(f"{column} = {column} - %s" for column in COUNT_COLUMNS)
    cursor.executemany(f"UPDATE {TERM_COUNTS} SET {counts} WHERE "
                       + " AND ".join(f"{column} = %s" for column in COUNT_KEY),
                       [(*row[4:], *row[:4]) for row in counted])
    cursor.executemany(f"UPDATE {TERM_FORMS} SET occurrences = occurrences - %s WHERE "
                       + " AND ".join(f"{column} = %s" for column in FORM_KEY),
                       [(row[3], *row[:3]) for row in forms])


def terms_delete(*, cycle_id: int | None = None, organization_id: int | None = None) -> None:
    """Forget the counted terms of one cycle, one organization, or (neither) all."""
    for model in (TermCount, TermForm):
        rows = model.objects.all()
        if cycle_id is not None:
            rows = rows.filter(touchpoint__moment__cycle_id=cycle_id)
        if organization_id is not None:
            rows = rows.filter(touchpoint__organization_id=organization_id)
        if cycle_id is None and organization_id is None and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {model._meta.db_table}")
        else:
            rows.delete()
