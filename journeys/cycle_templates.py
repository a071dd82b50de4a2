"""Cycle templates: a CX manager rarely starts from a blank page.

Plain data (names, kinds, protocols, touchpoints with their channel codes and
rating scales), so journeys owns them without knowing touchpoints;
`touchpoints.cycles.cycle_create_from_template` builds a cycle from one.
"""

from __future__ import annotations

from typing import NamedTuple


class TouchpointTemplate(NamedTuple):
    name: str
    channel: str  # a touchpoints.models.Channel code
    interaction: str = "digital"  # human or digital
    scale: str = "csat5"  # a touchpoints.scales code


class MomentTemplate(NamedTuple):
    name: str
    kind: str  # ZMOT, FMOT, SMOT, TMOT
    protocol: str
    touchpoints: tuple[TouchpointTemplate, ...]


# The seed article's airline: ten moments from searching a flight to telling others about it.
AIRLINE: list[MomentTemplate] = [
    MomentTemplate("Flight search", "ZMOT", "Answer fare questions in under a minute; show the full price including fees.", (
        TouchpointTemplate("Flight search on the website", "web"),
        TouchpointTemplate("Flight search in the app", "app"),
        TouchpointTemplate("Fare questions on social media", "social", "human", "thumbs2"),
    )),
    MomentTemplate("Ticket purchase", "FMOT", "Confirm the booking at once by e-mail and in the app; no surprise fees.", (
        TouchpointTemplate("Web checkout", "web"),
        TouchpointTemplate("App checkout", "app"),
        TouchpointTemplate("Booking by phone", "phone", "human"),
    )),
    MomentTemplate("Support between purchase and flight", "SMOT", "Resolve changes at first contact; call back within 2 hours.", (
        TouchpointTemplate("Phone support", "phone", "human", "ces7"),
        TouchpointTemplate("Chat support", "chat", "human", "csat5"),
        TouchpointTemplate("Trip reminders by e-mail", "email"),
    )),
    MomentTemplate("Check-in", "SMOT", "Kiosk fault reported within 10 minutes; an agent stands by the kiosks at peak times.", (
        TouchpointTemplate("Online check-in", "web"),
        TouchpointTemplate("App check-in", "app"),
        TouchpointTemplate("Check-in kiosk", "kiosk"),
        TouchpointTemplate("Check-in desk", "in_person", "human"),
    )),
    MomentTemplate("Bag drop", "SMOT", "Queue under 15 minutes; open another desk when it is longer.", (
        TouchpointTemplate("Bag drop desk", "in_person", "human"),
        TouchpointTemplate("Self-service bag drop", "kiosk"),
    )),
    MomentTemplate("Boarding", "SMOT", "Announce delays with a reason and a new time; board by groups.", (
        TouchpointTemplate("Gate boarding", "in_person", "human"),
        TouchpointTemplate("Boarding pass in the app", "app"),
        # Few ratings, most of them bad: too small a sample to call it critical.
        TouchpointTemplate("Lounge access", "physical_place", "human"),
    )),
    MomentTemplate("Flight", "SMOT", "Greet every passenger; offer water on flights over one hour.", (
        TouchpointTemplate("Cabin crew", "in_person", "human"),
        TouchpointTemplate("Seat and cabin comfort", "physical_place"),
        TouchpointTemplate("In-flight Wi-Fi", "other", "digital", "thumbs2"),
    )),
    MomentTemplate("Arrival", "SMOT", "Gate and connection information on screens before doors open.", (
        TouchpointTemplate("Arrival information", "physical_place"),
        TouchpointTemplate("Connection assistance", "in_person", "human"),
    )),
    MomentTemplate("Baggage claim", "SMOT", "First bag on the belt within 20 minutes; missing bags traced before the passenger leaves.", (
        TouchpointTemplate("Baggage carousel wait", "physical_place"),
        TouchpointTemplate("Lost baggage desk", "in_person", "human"),
        TouchpointTemplate("Bag tracking in the app", "app"),
    )),
    MomentTemplate("Reviews and social posts", "TMOT", "Answer every public complaint within 4 hours; invite happy passengers to review.", (
        TouchpointTemplate("Post-trip survey", "email", "digital", "nps11"),
        TouchpointTemplate("Social media mentions", "social", "human", "thumbs2"),
        TouchpointTemplate("Review sites", "web", "digital", "stars5"),
    )),
]

TEMPLATES: dict[str, list[MomentTemplate]] = {"airline": AIRLINE}
