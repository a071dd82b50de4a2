"""Verbatim comments for the airline demo, in Spanish and English.

The dashboard explains a red cell with the words its dissatisfied customers use
far more than customers elsewhere, so the demo's comments must say what a real
survey would (the sentences are in `demo_phrases`). Each comment is composed of
a touchpoint's sentences with varying numbers and small generic openers and
closers, so the demo holds hundreds of distinct texts in which the key words
still recur. Many ratings, as in real surveys, carry no comment at all.
"""

from __future__ import annotations

import random
import string
from functools import cache

from .demo_phrases import GENERIC, NO_THEME, SLOTS, THEMES

# Satisfied customers leave a comment less often than unhappy ones.
SILENT_SHARE_DISSATISFIED = 0.25
SILENT_SHARE_SATISFIED = 0.45
SPANISH_SHARE = 0.5
GENERIC_ONLY_COMPLAINT_SHARE = 0.08
# Now and then a customer ends a sentence in the other language, as bilingual travellers do.
SWITCHED_CLOSER_SHARE = 0.08


@cache
def _slots(sentence: str) -> tuple[str, ...]:
    return tuple(field for _, field, _, _ in string.Formatter().parse(sentence) if field)


def _fill(rng: random.Random, sentence: str) -> str:
    slots = _slots(sentence)
    if not slots:
        return sentence
    return sentence.format(**{slot: rng.choice(SLOTS[slot]) for slot in slots})


def demo_comment(rng: random.Random, *, touchpoint: str, dissatisfied: bool) -> str:
    """A verbatim comment for one demo rating at `touchpoint`, or "" when the customer left none.

    Half the customers write in Spanish, half in English. An unhappy customer
    names what went wrong at this touchpoint (sometimes with a second sentence,
    a generic opener or closer); a happy one praises it or says something
    generic. Draws only from `rng`, so the demo's other draws do not move.
    """
    if rng.random() < (SILENT_SHARE_DISSATISFIED if dissatisfied else SILENT_SHARE_SATISFIED):
        return ""
    language = "es" if rng.random() < SPANISH_SHARE else "en"
    voice = THEMES.get(touchpoint, NO_THEME)[language]
    generic = GENERIC[language]
    other = GENERIC["en" if language == "es" else "es"]
    closers = other if rng.random() < SWITCHED_CLOSER_SHARE else generic
    parts: list[str] = []
    if dissatisfied:
        if rng.random() < 0.25:
            parts.append(rng.choice(generic.openers))
        if rng.random() < GENERIC_ONLY_COMPLAINT_SHARE:
            parts.append(rng.choice(generic.complaints))
        else:
            parts.append(_fill(rng, rng.choice(voice.complaints)))
            if voice.details and rng.random() < 0.4:
                parts.append(_fill(rng, rng.choice(voice.details)))
        if rng.random() < 0.3:
            parts.append(rng.choice(closers.complaint_closers))
    else:
        pool = voice.praise if rng.random() < 0.6 else generic.praise
        parts.append(_fill(rng, rng.choice(pool)))
        if rng.random() < 0.3:
            parts.append(rng.choice(closers.praise_closers))
    return " ".join(parts)
