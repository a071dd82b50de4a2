"""Counting the words of new comments into `TermCount` / `TermForm`, in the database.

Run by the rollups' watermark pass (`analytics.rollups.upsert_ratings_range`)
over the same rating id range and days, so a comment's words are counted
exactly once, with the rollup of its rating. One statement per time zone on
PostgreSQL: the comments are cut into words with `regexp_split_to_table`,
each distinct word is looked up once in PostgreSQL's own Snowball
dictionaries (`spanish_stem`, `english_stem`, whose empty answer marks a stop
word), the language of each comment is detected from its stop words unless
the organization fixed it, and words and pairs of consecutive words are
grouped by touchpoint × day × segment × term and added with INSERT … ON
CONFLICT, the forms in a data-modifying CTE of the same statement. No Python
touches a comment.

SQLite has no text search: there `analytics.text.comment_terms` (the same
rules, the same Snowball stemmers and stop lists) runs as the SQL function
`momento_comment_terms(comment, language)`, registered on each connection,
whose JSON answer `json_each` unnests; the grouping is the same SQL.

Comments of organizations that switched analysis off are not read.
"""

from __future__ import annotations

import json

from django.db import connection

from journeys.models import Organization

from . import text
from .models import CORPUS, TermCount, TermForm
from .rollups import RATINGS, local_day_sql, touchpoint_condition, zone_statements

TERM_COUNTS = TermCount._meta.db_table
TERM_FORMS = TermForm._meta.db_table
ORGANIZATIONS = Organization._meta.db_table
COUNT_COLUMNS = ("occurrences", "documents", "dissatisfied_occurrences", "dissatisfied_documents")
SQLITE_FUNCTION = "momento_comment_terms"


def sqlite_comment_terms(comment: str | None, language: str | None) -> str:
    """The SQL function of SQLite: `text.comment_terms` as a JSON array of [term, form]."""
    return json.dumps(text.comment_terms(comment or "", language=language or text.AUTO), ensure_ascii=False)


def sqlite_function_register(sender, connection, **kwargs) -> None:
    """`connection_created` receiver (analytics.apps): SQLite connections learn the function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 2, sqlite_comment_terms, deterministic=True)


def _documents_sql(touchpoint_filter: bool, spans: int, customer_filter: bool = False) -> str:
    """The new ratings with a comment that is more than white space, of
    organizations that analyse comments, with their touchpoint, day, segment
    (with `customer_filter`, only customer %(customer)s's: an erasure)."""
    if connection.vendor == "postgresql":
        content, not_blank = "lower(r.comment)", "r.comment ~ '[^[:space:]]'"
    else:
        content = f"{SQLITE_FUNCTION}(r.comment, o.comment_language)"
        not_blank = "trim(r.comment, ' ' || char(9, 10, 11, 12, 13)) <> ''"
    return f"""
        SELECT r.id, r.touchpoint_id, {local_day_sql(spans)} AS day, COALESCE(r.segment_id, 0) AS segment_key,
               r.dissatisfied, {content} AS content, o.comment_language AS language
          FROM {RATINGS} r JOIN {ORGANIZATIONS} o ON o.id = r.organization_id
         WHERE r.id > %(low)s AND r.id <= %(high)s {touchpoint_condition(touchpoint_filter)}
           {"AND r.customer_id = %(customer)s" if customer_filter else ""}
           AND o.comment_analysis AND {not_blank}
    """


def _terms_ctes(touchpoint_filter: bool, spans: int, customer_filter: bool = False) -> str:
    """CTEs `documents` and `terms` (id, term, form: one row per occurrence)."""
    documents = _documents_sql(touchpoint_filter, spans, customer_filter)
    if connection.vendor == "sqlite":
        return f"""
            documents AS ({documents}),
            terms AS (
                SELECT d.id, json_extract(j.value, '$[0]') AS term, json_extract(j.value, '$[1]') AS form
                  FROM documents d, json_each(d.content) j
            )"""
    lowest, highest = 2, text.MAX_WORD_LENGTH
    return f"""
        documents AS MATERIALIZED ({documents}),
        words AS MATERIALIZED (
            SELECT d.id, w.ord, w.word
              FROM documents d
             CROSS JOIN LATERAL regexp_split_to_table(d.content, '[^[:alpha:]]+') WITH ORDINALITY AS w(word, ord)
             WHERE length(w.word) BETWEEN {lowest} AND {highest}
        ),
        vocabulary AS MATERIALIZED (
            SELECT word, ts_lexize('spanish_stem', word) AS es, ts_lexize('english_stem', word) AS en
              FROM (SELECT DISTINCT word FROM words) AS distinct_words
        ),
        stops AS (
            SELECT w.id, COUNT(*) FILTER (WHERE cardinality(v.es) = 0) AS es,
                   COUNT(*) FILTER (WHERE cardinality(v.en) = 0) AS en
              FROM words w JOIN vocabulary v ON v.word = w.word
             GROUP BY w.id
        ),
        languages AS (
            SELECT d.id,
                   CASE WHEN d.language IN ('{text.SPANISH}', '{text.ENGLISH}') THEN d.language
                        WHEN s.es > s.en THEN '{text.SPANISH}'
                        WHEN s.es < s.en THEN '{text.ENGLISH}'
                        WHEN d.content ~ '[áéíóúñ¿¡]' THEN '{text.SPANISH}'
                        ELSE '{text.ENGLISH}' END AS language
              FROM documents d JOIN stops s ON s.id = d.id
        ),
        tokens AS (
            SELECT w.id, w.ord, w.word AS form,
                   CASE l.language WHEN '{text.SPANISH}' THEN v.es[1] ELSE v.en[1] END AS stem
              FROM words w JOIN vocabulary v ON v.word = w.word JOIN languages l ON l.id = w.id
             WHERE cardinality(v.es) > 0 AND cardinality(v.en) > 0
        ),
        terms AS (
            SELECT id, stem AS term, form FROM tokens
            UNION ALL
            SELECT id, term, form
              FROM (SELECT id, stem || ' ' || lead(stem) OVER pair AS term,
                           form || ' ' || lead(form) OVER pair AS form
                      FROM tokens WINDOW pair AS (PARTITION BY id ORDER BY ord)) AS pairs
             WHERE term IS NOT NULL
        )"""


def _counted_cte() -> str:
    """CTE `counted`: the TermCount rows to add, the corpus row (term '') included."""
    dissatisfied = "CASE WHEN d.dissatisfied THEN {} ELSE 0 END"
    return f"""
        per_document AS (
            SELECT id, term, COUNT(*) AS occurrences FROM terms GROUP BY id, term
        ),
        counted AS (
            SELECT d.touchpoint_id, d.day, d.segment_key, p.term,
                   SUM(p.occurrences) AS occurrences, COUNT(*) AS documents,
                   SUM({dissatisfied.format("p.occurrences")}) AS dissatisfied_occurrences,
                   SUM({dissatisfied.format(1)}) AS dissatisfied_documents
              FROM per_document p JOIN documents d ON d.id = p.id
             GROUP BY d.touchpoint_id, d.day, d.segment_key, p.term
            UNION ALL
            SELECT d.touchpoint_id, d.day, d.segment_key, '{CORPUS}',
                   SUM(COALESCE(n.occurrences, 0)), COUNT(*),
                   SUM({dissatisfied.format("COALESCE(n.occurrences, 0)")}), SUM({dissatisfied.format(1)})
              FROM documents d
              LEFT JOIN (SELECT id, SUM(occurrences) AS occurrences FROM per_document GROUP BY id) n ON n.id = d.id
             GROUP BY d.touchpoint_id, d.day, d.segment_key
        )"""


def _counts_insert(empty: bool) -> str:
    columns = ", ".join(COUNT_COLUMNS)
    updates = ", ".join(f"{column} = {TERM_COUNTS}.{column} + excluded.{column}" for column in COUNT_COLUMNS)
    conflict = "" if empty else f"ON CONFLICT (touchpoint_id, day, segment_key, term) DO UPDATE SET {updates}"
    # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join clause.
    return f"""
        INSERT INTO {TERM_COUNTS} (touchpoint_id, day, segment_key, term, {columns})
        SELECT touchpoint_id, day, segment_key, term, {columns} FROM counted WHERE true
         ORDER BY touchpoint_id, day, segment_key, term
        {conflict}"""


def _forms_insert() -> str:
    return f"""
        INSERT INTO {TERM_FORMS} (touchpoint_id, term, form, occurrences)
        SELECT d.touchpoint_id, t.term, t.form, COUNT(*)
          FROM terms t JOIN documents d ON d.id = t.id
         WHERE true
         GROUP BY d.touchpoint_id, t.term, t.form
        ON CONFLICT (touchpoint_id, term, form) DO UPDATE
           SET occurrences = {TERM_FORMS}.occurrences + excluded.occurrences"""


def terms_sql(*, touchpoint_filter: bool, spans: int = 0, empty: bool = False) -> list[str]:
    """The statements that add the terms of ratings %(low)s < id <= %(high)s:
    one on PostgreSQL (the forms in a data-modifying CTE), two on SQLite."""
    ctes = _terms_ctes(touchpoint_filter, spans)
    if connection.vendor == "postgresql":
        return [f"WITH {ctes}, {_counted_cte()}, forms AS ({_forms_insert()} RETURNING 1) {_counts_insert(empty)}"]
    return [f"WITH {ctes}, {_counted_cte()} {_counts_insert(empty)}", f"WITH {ctes} {_forms_insert()}"]


def terms_upsert_range(*, low: int, high: int, cycle_id: int | None = None, empty: bool = False) -> None:
    """Add the terms of the comments of ratings `low < id <= high` (of one cycle or
    all). Like the rollups' counts, they are added: each range is applied once,
    under the watermark lock the caller holds. `empty`: the rows in scope were
    just deleted, so nothing can conflict."""
    if high <= low:
        return

    def build(*, touchpoint_filter: bool, spans: int) -> list[str]:
        return terms_sql(touchpoint_filter=touchpoint_filter, spans=spans, empty=empty)

    with connection.cursor() as cursor:
        for statements, params, _touchpoints in zone_statements(low=low, high=high, cycle_id=cycle_id, build=build):
            for statement in statements:
                cursor.execute(statement, params)


def terms_subtract_sql(*, touchpoint_filter: bool, spans: int = 0) -> list[str]:
    """The statements that take the terms of customer %(customer)s's comments
    (ratings %(low)s < id <= %(high)s) out of the counts again, term by term, the
    forms with them; rows left at zero are the caller's to delete."""
    ctes = _terms_ctes(touchpoint_filter, spans, customer_filter=True)
    counts = ", ".join(f"{column} = {TERM_COUNTS}.{column} - gone.{column}" for column in COUNT_COLUMNS)
    return [
        f"""WITH {ctes}, {_counted_cte()}
            UPDATE {TERM_COUNTS} SET {counts} FROM counted AS gone
             WHERE {TERM_COUNTS}.touchpoint_id = gone.touchpoint_id AND {TERM_COUNTS}.day = gone.day
               AND {TERM_COUNTS}.segment_key = gone.segment_key AND {TERM_COUNTS}.term = gone.term""",
        f"""WITH {ctes},
            forms AS (SELECT d.touchpoint_id, t.term, t.form, COUNT(*) AS occurrences
                        FROM terms t JOIN documents d ON d.id = t.id GROUP BY d.touchpoint_id, t.term, t.form)
            UPDATE {TERM_FORMS} SET occurrences = {TERM_FORMS}.occurrences - gone.occurrences FROM forms AS gone
             WHERE {TERM_FORMS}.touchpoint_id = gone.touchpoint_id AND {TERM_FORMS}.term = gone.term
               AND {TERM_FORMS}.form = gone.form""",
    ]


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
