"""What a survey link says, in Spanish and English: its question, its comment prompt
and the scale as the customer knows it (stars, faces, 0–10, thumbs, 1–7).

A link stores only the texts its CX manager wrote; an empty one means the default
for the touchpoint and its scale, translated when it is shown, so a link made in
English reads Spanish to a Spanish visitor. The options of each scale come from
`touchpoints.scales` (the one definition of ranges): this module only names them.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import NamedTuple

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from .models import SurveyLink, Touchpoint
from .scales import get_scale

LANGUAGES = ("es", "en")

DEFAULT_QUESTIONS: dict[str, Promise] = {
    "csat5": gettext_lazy("How satisfied are you with %(touchpoint)s?"),
    "stars5": gettext_lazy("How would you rate %(touchpoint)s?"),
    "nps11": gettext_lazy("After %(touchpoint)s, how likely are you to recommend us to a friend or colleague?"),
    "ces7": gettext_lazy("How easy was %(touchpoint)s for you?"),
    "thumbs2": gettext_lazy("Were you happy with %(touchpoint)s?"),
}
DEFAULT_COMMENT_PROMPT = gettext_lazy("Would you like to tell us more? (optional)")

# In context: "Dissatisfied" elsewhere names a share of customers, here one customer's answer.
CSAT_LABELS = (
    pgettext_lazy("survey answer", "Very dissatisfied"), pgettext_lazy("survey answer", "Dissatisfied"),
    pgettext_lazy("survey answer", "Neither satisfied nor dissatisfied"), pgettext_lazy("survey answer", "Satisfied"),
    pgettext_lazy("survey answer", "Very satisfied"),
)
# The words at either end of a numbered scale, shown under its first and last button.
SCALE_ENDS: dict[str, tuple[Promise, Promise]] = {
    "nps11": (gettext_lazy("Not at all likely"), gettext_lazy("Extremely likely")),
    "ces7": (gettext_lazy("Very difficult"), gettext_lazy("Very easy")),
}
THUMB_LABELS = (pgettext_lazy("thumbs down", "No"), pgettext_lazy("thumbs up", "Yes"))


class ScaleOption(NamedTuple):
    """One button of the scale: its score, what a screen reader says, what it shows."""

    score: int
    label: str  # the accessible name ("4 stars", "Satisfied", "7 – Very easy")
    text: str  # the visible text under or inside the button ("4", "Yes", "")
    icon: str  # an id in static/img/survey.svg, or "" for a plain number
    emoji: str  # what an e-mail shows (e-mail clients draw emoji; no SVG there)


def _with_language(language: str | None) -> AbstractContextManager:
    return translation.override(language) if language else nullcontext()


def question_text(link: SurveyLink, touchpoint: Touchpoint | None = None, language: str | None = None) -> str:
    """The question the visitor reads, in `language` (default: the active one)."""
    touchpoint = touchpoint or link.touchpoint
    with _with_language(language):
        code = (language or translation.get_language() or "en")[:2]
        written = link.question_es if code == "es" else link.question_en
        return written or str(DEFAULT_QUESTIONS[touchpoint.scale]) % {"touchpoint": touchpoint.name}


def comment_prompt(link: SurveyLink, language: str | None = None) -> str:
    with _with_language(language):
        code = (language or translation.get_language() or "en")[:2]
        written = link.comment_prompt_es if code == "es" else link.comment_prompt_en
        return written or str(DEFAULT_COMMENT_PROMPT)


def texts_by_language(link: SurveyLink) -> dict[str, dict[str, str]]:
    """{"question": {"es", "en"}, "comment_prompt": {"es", "en"}} as visitors read them."""
    return {
        "question": {language: question_text(link, language=language) for language in LANGUAGES},
        "comment_prompt": {language: comment_prompt(link, language=language) for language in LANGUAGES},
    }


CSAT_EMOJI = ("😞", "🙁", "😐", "🙂", "😄")


def scale_options(scale_code: str) -> list[ScaleOption]:
    """The buttons of a scale in the active language, lowest score first."""
    scale = get_scale(scale_code)
    scores = range(scale.low, scale.high + 1)
    if scale_code == "csat5":
        return [ScaleOption(score, str(CSAT_LABELS[score - 1]), "", f"face-{score}", CSAT_EMOJI[score - 1])
                for score in scores]
    if scale_code == "stars5":
        return [ScaleOption(score, ngettext("%(count)s star", "%(count)s stars", score) % {"count": score}, "",
                            "star", f"{score} ★") for score in scores]
    if scale_code == "thumbs2":
        return [ScaleOption(0, _("Thumbs down: %(answer)s") % {"answer": THUMB_LABELS[0]}, str(THUMB_LABELS[0]),
                            "thumb-down", "👎"),
                ScaleOption(1, _("Thumbs up: %(answer)s") % {"answer": THUMB_LABELS[1]}, str(THUMB_LABELS[1]),
                            "thumb-up", "👍")]
    low_end, high_end = SCALE_ENDS[scale_code]
    options = []
    for score in scores:
        label = str(score)
        if score == scale.low:
            label = f"{score} – {low_end}"
        elif score == scale.high:
            label = f"{score} – {high_end}"
        options.append(ScaleOption(score, label, str(score), "", str(score)))
    return options


def scale_ends(scale_code: str) -> tuple[str, str] | None:
    ends = SCALE_ENDS.get(scale_code)
    return (str(ends[0]), str(ends[1])) if ends else None


def option_for(scale_code: str, score: int | None) -> ScaleOption | None:
    return next((option for option in scale_options(scale_code) if option.score == score), None)
