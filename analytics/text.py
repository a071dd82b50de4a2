"""The words of a comment, as comment analysis counts them (Spanish and English).

The one implementation of the rules: the worker counts every new comment's
terms with it (`analytics.comment_terms`), and the examples of an insight use
it to find the comments that carry its terms. The stemmers are Snowball's
(`snowballstemmer`), the stop lists `stopwords/` (copied from PostgreSQL's
`tsearch_data`, which come from the Snowball project); a test on PostgreSQL
holds the stems to its own `spanish_stem` and `english_stem` dictionaries.

1. The comment is lowercased and cut into runs of letters: digits, punctuation,
   emoji and markup separate words and are never words themselves.
2. Words of one letter or more than `MAX_WORD_LENGTH` letters are dropped.
3. The comment's language is the organization's, or detected: the one whose
   stop words it uses more (ties: Spanish if it has a Spanish letter, else English).
4. Stop words of either language are dropped (a comment may mix both); the
   rest are stemmed in the comment's language.
5. Terms are the stems, then each pair of consecutive stems ("malet perd"),
   each with its surface form ("maleta perdida") for display.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path

import snowballstemmer

SPANISH = "es"
ENGLISH = "en"
AUTO = "auto"
MAX_WORD_LENGTH = 30
# A term is a stem or two: at most two words and a space.
MAX_TERM_LENGTH = 2 * MAX_WORD_LENGTH + 1

# PostgreSQL's [[:alpha:]] under a UTF-8 locale: letters of every script.
_WORDS = re.compile(r"[^\W\d_]+")
_SPANISH_LETTERS = re.compile("[áéíóúñ¿¡]")
_STEMMERS = {SPANISH: "spanish", ENGLISH: "english"}


@cache
def stop_words(language: str) -> frozenset[str]:
    path = Path(__file__).with_name("stopwords") / f"{_STEMMERS[language]}.stop"
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


@cache
def _stemmer(language: str):
    return snowballstemmer.stemmer(_STEMMERS[language])


# Word → stem, per language: a plain dict, read for every word of every comment the
# worker counts (an lru_cache's key and bookkeeping cost more than the lookup).
_STEMS: dict[str, dict[str, str]] = {SPANISH: {}, ENGLISH: {}}
MAX_CACHED_STEMS = 200_000


def stem(word: str, language: str) -> str:
    stems = _STEMS[language]
    found = stems.get(word)
    if found is None:
        if len(stems) >= MAX_CACHED_STEMS:
            stems.clear()
        found = stems[word] = _stemmer(language).stemWord(word)
    return found


def words(text: str) -> list[str]:
    """The comment's words, lowercased, in order (stop words included)."""
    return [word for word in _WORDS.findall(text.lower()) if 1 < len(word) <= MAX_WORD_LENGTH]


def language_of(text: str, found: list[str], *, preferred: str = AUTO) -> str:
    """`preferred` unless it is "auto"; else the language whose stop words the words use more."""
    if preferred in _STEMMERS:
        return preferred
    spanish_stops, english_stops = stop_words(SPANISH), stop_words(ENGLISH)
    spanish = sum(1 for word in found if word in spanish_stops)
    english = sum(1 for word in found if word in english_stops)
    if spanish != english:
        return SPANISH if spanish > english else ENGLISH
    return SPANISH if _SPANISH_LETTERS.search(text.lower()) else ENGLISH


@cache
def _either_stop_words() -> frozenset[str]:
    return stop_words(SPANISH) | stop_words(ENGLISH)


def comment_terms(text: str, *, language: str = AUTO) -> list[tuple[str, str]]:
    """(term, surface form) of every word and pair of consecutive words, in order:
    the stems first, then the pairs. Empty for a comment without words.

    The worker cuts every new comment with this (`analytics.comment_terms`), so
    it reads each comment once and looks stems up in a cache."""
    found = words(text)
    if not found:
        return []
    chosen = language_of(text, found, preferred=language)
    stops = _either_stop_words()
    stems = _STEMS[chosen]
    kept = [(stems.get(word) or stem(word, chosen), word) for word in found if word not in stops]
    pairs = [(f"{first[0]} {second[0]}", f"{first[1]} {second[1]}") for first, second in itertools.pairwise(kept)]
    return kept + pairs
