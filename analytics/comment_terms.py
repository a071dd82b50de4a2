"""Counting the words of new comments into `TermCount` / `TermForm`, in the database.

Run by the rollups' watermark pass (`analytics.rollups.upsert_ratings_range`)
over the same rating id range and days, so a comment's words are counted
exactly once, with the rollup of its rating. One statement per time zone on
PostgreSQL: the comments are cut into words (`regexp_split_to_array`), each
distinct word is looked up once in PostgreSQL's own Snowball dictionaries
(`spanish_stem`, `english_stem`, whose empty answer marks a stop word), the
language of each comment is detected from its stop words unless the
organization fixed it, and the words and pairs of consecutive words, each
carrying its comment's touchpoint × day × segment, are counted per comment and
then per touchpoint × day × segment × term along one sort, and added with
INSERT … ON CONFLICT; the forms in a data-modifying CTE of the same statement.
No Python touches a comment.

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
    (and on PostgreSQL the organization's language, when it fixed one); with
    `customer_filter`, only customer %(customer)s's (an erasure)."""
    if connection.vendor == "postgresql":
        content, not_blank = "lower(r.comment)", "r.comment ~ '[^[:space:]]'"
        language = f"CASE WHEN o.comment_language IN ('{text.SPANISH}', '{text.ENGLISH}') THEN o.comment_language END"
    else:
        content = f"{SQLITE_FUNCTION}(r.comment, o.comment_language)"
        not_blank = "trim(r.comment, ' ' || char(9, 10, 11, 12, 13)) <> ''"
        language = "NULL"
    return f"""
        SELECT r.id, r.touchpoint_id, {local_day_sql(spans)} AS day, COALESCE(r.segment_id, 0) AS segment_key,
               r.dissatisfied, {content} AS content, {language} AS language
          FROM {RATINGS} r JOIN {ORGANIZATIONS} o ON o.id = r.organization_id
         WHERE r.id > %(low)s AND r.id <= %(high)s {touchpoint_condition(touchpoint_filter)}
           {"AND r.customer_id = %(customer)s" if customer_filter else ""}
           AND o.comment_analysis AND {not_blank}
    """


def _terms_ctes(touchpoint_filter: bool, spans: int, customer_filter: bool = False) -> str:
    """CTEs `documents` and `terms`: one row per occurrence of a term in a comment
    (id, touchpoint_id, day, segment_key, dissatisfied, term, form, weight 1),
    and the comment's corpus rows (term '', form NULL), whose weights add up to
    its number of terms, one of them for every comment, words or not."""
    documents = _documents_sql(touchpoint_filter, spans, customer_filter)
    carried = "d.id, d.touchpoint_id, d.day, d.segment_key, d.dissatisfied"
    if connection.vendor == "sqlite":
        return f"""
            documents AS ({documents}),
            terms AS (
                SELECT {carried}, json_extract(j.value, '$[0]') AS term, json_extract(j.value, '$[1]') AS form,
                       1 AS weight
                  FROM documents d, json_each(d.content) j
                UNION ALL
                SELECT {carried}, '{CORPUS}', NULL, json_array_length(d.content) FROM documents d
            )"""
    return f"""
        documents AS MATERIALIZED ({documents}),
        {_postgresql_terms(carried)}"""


def _postgresql_terms(carried: str) -> str:
    """`terms` on PostgreSQL in one pass over the words, whose order the windows
    need (one sort by comment and position); every word carries its comment's
    touchpoint, day and segment, so nothing joins back to the comments.

    Each distinct word is looked up once in the Snowball dictionaries (an
    empty answer: a stop word). A comment's language is the organization's, or
    the one of which it uses more stop words (ties: Spanish when it has a
    Spanish letter). Its kept words are stemmed in it; a word's pair is it and
    the next kept word; the first kept word also brings the comment's corpus
    weight: k words and k - 1 pairs."""
    lowest, highest = 2, text.MAX_WORD_LENGTH
    spanish, english = text.SPANISH, text.ENGLISH
    return f"""
        words AS MATERIALIZED (
            SELECT {carried}, d.language, w.ord, w.word,
                   CASE WHEN d.content ~ '[áéíóúñ¿¡]' THEN '{spanish}' ELSE '{english}' END AS tie_language
              FROM documents d
             CROSS JOIN LATERAL unnest(regexp_split_to_array(d.content, '[^[:alpha:]]+'))
                   WITH ORDINALITY AS w(word, ord)
             WHERE length(w.word) BETWEEN {lowest} AND {highest}
        ),
        vocabulary AS MATERIALIZED (
            SELECT word, es[1] AS es, en[1] AS en, cardinality(es) = 0 AS es_stop, cardinality(en) = 0 AS en_stop
              FROM (SELECT word, ts_lexize('spanish_stem', word) AS es, ts_lexize('english_stem', word) AS en
                      FROM (SELECT DISTINCT word FROM words) AS distinct_words) AS looked_up
        ),
        tagged AS (
            SELECT w.*, v.es, v.en, NOT (v.es_stop OR v.en_stop) AS kept,
                   COUNT(*) FILTER (WHERE v.es_stop) OVER comment AS es_stops,
                   COUNT(*) FILTER (WHERE v.en_stop) OVER comment AS en_stops,
                   COUNT(*) FILTER (WHERE NOT (v.es_stop OR v.en_stop)) OVER comment AS kept_words
              FROM words w JOIN vocabulary v ON v.word = w.word
            WINDOW comment AS (PARTITION BY w.id ORDER BY w.ord ROWS BETWEEN UNBOUNDED PRECEDING
                                                                  AND UNBOUNDED FOLLOWING)
        ),
        tokens AS (
            SELECT id, touchpoint_id, day, segment_key, dissatisfied, ord, word AS form, kept_words,
                   CASE COALESCE(language, CASE WHEN es_stops > en_stops THEN '{spanish}'
                                                WHEN es_stops < en_stops THEN '{english}'
                                                ELSE tie_language END)
                        WHEN '{spanish}' THEN es ELSE en END AS stem
              FROM tagged
             WHERE kept
        ),
        paired AS (
            SELECT *, lead(stem) OVER pair AS next_stem, lead(form) OVER pair AS next_form,
                   row_number() OVER pair AS position
              FROM tokens
            WINDOW pair AS (PARTITION BY id ORDER BY ord)
        ),
        terms AS MATERIALIZED (
            SELECT p.id, p.touchpoint_id, p.day, p.segment_key, p.dissatisfied, t.term, t.form, t.weight
              FROM paired p
             CROSS JOIN LATERAL (VALUES (p.stem, p.form, 1),
                                        (p.stem || ' ' || p.next_stem, p.form || ' ' || p.next_form, 1),
                                        (CASE WHEN p.position = 1 THEN '{CORPUS}' END, NULL, 2 * p.kept_words - 1)
                                ) AS t(term, form, weight)
             WHERE t.term IS NOT NULL
            UNION ALL
            SELECT {carried}, '{CORPUS}', NULL, 0 FROM documents d
        )"""


def _counted_cte() -> str:
    """CTE `counted`: the TermCount rows to add, the corpus row (term '') included.
    Per comment first (its occurrences of the term), then per touchpoint × day ×
    segment × term: comments are counted once, and both groupings follow one sort."""
    dissatisfied = "CASE WHEN dissatisfied THEN {} ELSE 0 END"
    key = "touchpoint_id, day, segment_key, term"
    return f"""
        counted AS (
            SELECT {key}, SUM(occurrences) AS occurrences, COUNT(*) AS documents,
                   SUM({dissatisfied.format("occurrences")}) AS dissatisfied_occurrences,
                   SUM({dissatisfied.format(1)}) AS dissatisfied_documents
              FROM (SELECT {key}, id, dissatisfied, SUM(weight) AS occurrences
                      FROM terms GROUP BY {key}, id, dissatisfied) AS per_comment
             GROUP BY {key}
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
        SELECT touchpoint_id, term, form, COUNT(*)
          FROM terms
         WHERE form IS NOT NULL
         GROUP BY touchpoint_id, term, form
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
    (ratings %(low)s < id <= %(high)s) out of the counts again, term by term (the
    comments' corpus rows included), the forms with them; rows left at zero are the
    caller's to delete."""
    ctes = _terms_ctes(touchpoint_filter, spans, customer_filter=True)
    counts = ", ".join(f"{column} = {TERM_COUNTS}.{column} - gone.{column}" for column in COUNT_COLUMNS)
    return [
        f"""WITH {ctes}, {_counted_cte()}
            UPDATE {TERM_COUNTS} SET {counts} FROM counted AS gone
             WHERE {TERM_COUNTS}.touchpoint_id = gone.touchpoint_id AND {TERM_COUNTS}.day = gone.day
               AND {TERM_COUNTS}.segment_key = gone.segment_key AND {TERM_COUNTS}.term = gone.term""",
        f"""WITH {ctes},
            forms AS (SELECT touchpoint_id, term, form, COUNT(*) AS occurrences
                        FROM terms WHERE form IS NOT NULL GROUP BY touchpoint_id, term, form)
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
