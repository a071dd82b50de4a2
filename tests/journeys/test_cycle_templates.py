"""Cycle templates (issue 19, item 4): six service cycles a CX manager can start from.

Each has 7 to 12 moments typed ZMOT … TMOT in a sensible order (research first, the
first contact next, the use, the response last), a protocol for every moment,
touchpoints with valid channels, scales and interactions, and every word in Spanish too.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from journeys.cycle_templates import TEMPLATES
from journeys.models import MomentKind
from touchpoints.models import Channel, Touchpoint
from touchpoints.scales import SCALES

KIND_ORDER = {"ZMOT": 0, "FMOT": 1, "SMOT": 2, "TMOT": 3}
ISSUE_TEMPLATES = {"airline", "hotel", "bank_account", "broadband", "outpatient", "online_order"}
SAME_IN_SPANISH = {"Chat"}


def test_the_issue_asks_for_these_templates():
    assert set(TEMPLATES) == ISSUE_TEMPLATES


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_each_template_is_a_whole_cycle_in_a_sensible_order(key):
    moments = TEMPLATES[key].moments
    assert 7 <= len(moments) <= 12
    kinds = [moment.kind for moment in moments]
    assert set(kinds) <= set(MomentKind.values)
    assert kinds[0] == "ZMOT" and kinds[1] == "FMOT" and kinds[-1] == "TMOT"
    assert [KIND_ORDER[kind] for kind in kinds] == sorted(KIND_ORDER[kind] for kind in kinds)
    assert len({moment.name for moment in moments}) == len(moments)
    for moment in moments:
        assert moment.protocol.endswith(".") and len(moment.protocol) <= 200
        assert 1 <= len(moment.touchpoints) <= 4
        for touchpoint in moment.touchpoints:
            assert touchpoint.channel in Channel.values
            assert touchpoint.scale in SCALES
            assert touchpoint.interaction in Touchpoint.Interaction.values
            assert len(touchpoint.name) <= Touchpoint._meta.get_field("name").max_length


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_word_of_each_template_is_in_spanish_too(key):
    template = TEMPLATES[key]
    texts = [text for moment in template.moments
             for text in (moment.name, moment.protocol, *(touchpoint.name for touchpoint in moment.touchpoints))]
    with translation.override("es"):
        untranslated = [text for text in texts if translation.gettext(text) == text and text not in SAME_IN_SPANISH]
        spanish = (str(template.title), str(template.description))
    with translation.override("en"):
        english = (str(template.title), str(template.description))
    assert not untranslated
    assert spanish[0] != english[0] and spanish[1] != english[1]
