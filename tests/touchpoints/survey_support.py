"""Helpers of the survey link tests: a link, a form stamp old enough to pass the bot guard,
and a visitor's POST."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from tests.factories import MomentFactory, ServiceCycleFactory, TouchpointFactory
from touchpoints.models import SurveyLink
from touchpoints.survey import form_stamp_new
from touchpoints.survey_links import survey_link_create


def survey_link(organization, *, scale: str = "csat5", touchpoint_name: str = "Bag drop kiosk",
                **fields) -> SurveyLink:
    cycle = ServiceCycleFactory(organization=organization, name="Airline")
    moment = MomentFactory(cycle=cycle, name="Bag drop")
    touchpoint = TouchpointFactory(moment=moment, name=touchpoint_name, scale=scale, key=f"bag-drop-{scale}-{moment.pk}")
    return survey_link_create(touchpoint=touchpoint, **fields)


def old_stamp(link: SurveyLink, seconds: float = 3) -> str:
    """A stamp as the page would have served it `seconds` ago."""
    return form_stamp_new(link, now=timezone.now() - dt.timedelta(seconds=seconds))


def answer(client, link: SurveyLink, score="4", *, path: str | None = None, stamp: str | None = None,
           address: str = "203.0.113.9", **fields):
    """POST an answer as a visitor whose form was served 3 s ago."""
    data = {"score": score, "stamp": old_stamp(link) if stamp is None else stamp, "website": "", **fields}
    return client.post(path or f"/s/{link.token}/", data, REMOTE_ADDR=address)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)
