"""The rating scales of DESIGN.md: normalisation, dissatisfaction, promoters."""

import pytest

from touchpoints import scales


@pytest.mark.parametrize(
    ("scale", "score", "normalised", "dissatisfied"),
    [
        ("csat5", 1, 0.0, True), ("csat5", 2, 25.0, True), ("csat5", 3, 50.0, False), ("csat5", 5, 100.0, False),
        ("stars5", 2, 25.0, True), ("stars5", 4, 75.0, False),
        ("nps11", 0, 0.0, True), ("nps11", 6, 60.0, True), ("nps11", 7, 70.0, False), ("nps11", 10, 100.0, False),
        ("ces7", 1, 0.0, True), ("ces7", 3, 100 / 3, True), ("ces7", 4, 50.0, False), ("ces7", 7, 100.0, False),
        ("thumbs2", 0, 0.0, True), ("thumbs2", 1, 100.0, False),
    ],
)
def test_normalisation_and_dissatisfaction_per_scale(scale, score, normalised, dissatisfied):
    assert scales.normalise(scale, score) == pytest.approx(normalised)
    assert scales.is_dissatisfied(scale, score) is dissatisfied


@pytest.mark.parametrize(("scale", "score"), [("csat5", 0), ("csat5", 6), ("nps11", 11), ("ces7", 0), ("thumbs2", 2)])
def test_score_outside_its_scale_is_refused(scale, score):
    with pytest.raises(ValueError, match="outside"):
        scales.normalise(scale, score)


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="unknown scale"):
        scales.normalise("likert9", 3)


def test_promoters_exist_only_on_nps():
    assert scales.SCALES["nps11"].is_promoter(9)
    assert not scales.SCALES["nps11"].is_promoter(8)
    assert not scales.SCALES["csat5"].is_promoter(5)
