"""Cycle templates: a CX manager rarely starts from a blank page.

Plain data (names, kinds, protocols, touchpoints with their channel codes and
rating scales), so journeys owns them without knowing touchpoints;
`touchpoints.cycles.cycle_create_from_template` builds a cycle from one.

Names and protocols are written in English and translated (locale/es) when a
cycle is made from a template, into the language of whoever makes it: from then
on they are that cycle's own words, which its CX managers edit like any other.
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


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

# A hotel stay: from comparing hotels to the review after check-out.
HOTEL: list[MomentTemplate] = [
    MomentTemplate("Searching and comparing hotels", "ZMOT", "Keep photos, prices and availability current on every channel; answer questions within an hour.", (
        TouchpointTemplate("Hotel website", "web"),
        TouchpointTemplate("Listing on travel agency sites", "web", "digital", "stars5"),
        TouchpointTemplate("Questions on social media", "social", "human", "thumbs2"),
    )),
    MomentTemplate("Booking", "FMOT", "Confirm at once by e-mail with the total price and the cancellation terms.", (
        TouchpointTemplate("Booking engine", "web", "digital", "ces7"),
        TouchpointTemplate("Reservations by phone", "phone", "human"),
        TouchpointTemplate("Booking confirmation e-mail", "email"),
    )),
    MomentTemplate("Before arrival", "SMOT", "Send a message 48 hours ahead with directions and an early check-in offer.", (
        TouchpointTemplate("Pre-arrival e-mail", "email"),
        TouchpointTemplate("Special requests by chat", "chat", "human", "ces7"),
    )),
    MomentTemplate("Arrival and check-in", "SMOT", "Check guests in within 5 minutes; greet them by name and explain the hotel in one minute.", (
        TouchpointTemplate("Front desk", "in_person", "human"),
        TouchpointTemplate("Mobile check-in", "app", "digital", "ces7"),
        TouchpointTemplate("Lobby", "physical_place"),
    )),
    MomentTemplate("The room", "SMOT", "Room inspected and ready before check-in time; any fault fixed within 30 minutes.", (
        TouchpointTemplate("Room cleanliness", "physical_place"),
        TouchpointTemplate("Bed and sleep quality", "physical_place", "digital", "stars5"),
        TouchpointTemplate("Wi-Fi in the room", "other", "digital", "thumbs2"),
    )),
    MomentTemplate("Breakfast and restaurant", "SMOT", "Buffet refilled all morning; no table waits longer than 10 minutes.", (
        TouchpointTemplate("Breakfast buffet", "physical_place"),
        TouchpointTemplate("Restaurant service", "in_person", "human"),
    )),
    MomentTemplate("Requests during the stay", "SMOT", "Answer any request within 15 minutes and call back to check it was solved.", (
        TouchpointTemplate("Reception by phone", "phone", "human", "ces7"),
        TouchpointTemplate("Housekeeping requests", "in_person", "human"),
        TouchpointTemplate("Messaging with the hotel", "messaging", "human"),
    )),
    MomentTemplate("Check-out and bill", "SMOT", "Bill ready before the guest comes down, with no charge they did not expect.", (
        TouchpointTemplate("Check-out desk", "in_person", "human"),
        TouchpointTemplate("Express check-out in the app", "app", "digital", "ces7"),
        TouchpointTemplate("Invoice by e-mail", "email"),
    )),
    MomentTemplate("Reviews and return", "TMOT", "Answer every review within 24 hours; thank happy guests and invite them back.", (
        TouchpointTemplate("Post-stay survey", "email", "digital", "nps11"),
        TouchpointTemplate("Review sites", "web", "digital", "stars5"),
        TouchpointTemplate("Social media mentions", "social", "human", "thumbs2"),
    )),
]

# Opening an account at a retail bank: from comparing accounts to recommending the bank.
BANK_ACCOUNT: list[MomentTemplate] = [
    MomentTemplate("Researching accounts", "ZMOT", "Fees and requirements on one page with a comparison; questions answered within a minute.", (
        TouchpointTemplate("Account pages on the website", "web"),
        TouchpointTemplate("Comparison sites", "web", "digital", "stars5"),
        TouchpointTemplate("Questions to the chatbot", "chat", "digital", "thumbs2"),
    )),
    MomentTemplate("Starting the application", "FMOT", "The application takes under 10 minutes and keeps what was typed if interrupted.", (
        TouchpointTemplate("Online application", "web", "digital", "ces7"),
        TouchpointTemplate("Application in the app", "app", "digital", "ces7"),
        TouchpointTemplate("Branch appointment", "in_person", "human"),
    )),
    MomentTemplate("Identity check", "SMOT", "Verify identity in one step; say at once which document is missing.", (
        TouchpointTemplate("Video identification", "app", "digital", "ces7"),
        TouchpointTemplate("Document upload", "web", "digital", "ces7"),
        TouchpointTemplate("Identity check at the branch", "in_person", "human"),
    )),
    MomentTemplate("Approval", "SMOT", "Decide within one working day and explain any refusal in plain words.", (
        TouchpointTemplate("Approval notice by e-mail", "email"),
        TouchpointTemplate("Call from an adviser", "phone", "human"),
    )),
    MomentTemplate("Account activation", "SMOT", "Account usable the same day; send the login details and first steps together.", (
        TouchpointTemplate("First login to online banking", "web", "digital", "ces7"),
        TouchpointTemplate("App activation", "app", "digital", "ces7"),
    )),
    MomentTemplate("Card delivery", "SMOT", "Card delivered within 5 working days with tracking; the digital card in the wallet at once.", (
        TouchpointTemplate("Card delivery", "other"),
        TouchpointTemplate("Digital card in the wallet", "app"),
    )),
    MomentTemplate("First deposit and first payment", "SMOT", "First transfer credited within minutes; explain any hold before the customer asks.", (
        TouchpointTemplate("First transfer", "app"),
        TouchpointTemplate("First card payment", "other", "digital", "thumbs2"),
    )),
    MomentTemplate("Getting help", "SMOT", "Solve at first contact; never transfer a customer more than once.", (
        TouchpointTemplate("Phone support", "phone", "human", "ces7"),
        TouchpointTemplate("Chat support", "chat", "human"),
        TouchpointTemplate("Branch visit", "in_person", "human"),
    )),
    MomentTemplate("Recommending the bank", "TMOT", "Ask for feedback after 30 days; answer every public complaint within 4 hours.", (
        TouchpointTemplate("30-day survey", "email", "digital", "nps11"),
        TouchpointTemplate("App store reviews", "app", "digital", "stars5"),
        TouchpointTemplate("Social media mentions", "social", "human", "thumbs2"),
    )),
]

# Installing home broadband: from checking coverage to the reviews after the first weeks.
BROADBAND: list[MomentTemplate] = [
    MomentTemplate("Checking coverage and plans", "ZMOT", "Coverage by address in seconds; the real speed and the full monthly price shown.", (
        TouchpointTemplate("Coverage checker", "web"),
        TouchpointTemplate("Plans in the app", "app"),
        TouchpointTemplate("Questions on social media", "social", "human", "thumbs2"),
    )),
    MomentTemplate("Ordering", "FMOT", "Order in under 10 minutes; confirm the price and the installation window by e-mail.", (
        TouchpointTemplate("Online order", "web", "digital", "ces7"),
        TouchpointTemplate("Order by phone", "phone", "human"),
        TouchpointTemplate("Shop", "in_person", "human"),
    )),
    MomentTemplate("Scheduling the installation", "SMOT", "Offer a date within 7 days and a 2-hour window; remind the customer the day before.", (
        TouchpointTemplate("Scheduling on the website", "web", "digital", "ces7"),
        TouchpointTemplate("Reminder by text message", "messaging"),
        TouchpointTemplate("Scheduling call", "phone", "human"),
    )),
    MomentTemplate("Router delivery", "SMOT", "Router delivered before the installation day, with tracking.", (
        TouchpointTemplate("Router delivery", "other"),
        TouchpointTemplate("Delivery tracking", "web"),
    )),
    MomentTemplate("Technician visit", "SMOT", "Arrive within the window or call 30 minutes ahead; leave the home clean.", (
        TouchpointTemplate("Technician", "in_person", "human"),
        TouchpointTemplate("Arrival notice", "messaging", "digital", "thumbs2"),
    )),
    MomentTemplate("Getting connected", "SMOT", "Test the speed with the customer before leaving and connect their devices.", (
        TouchpointTemplate("Speed on the first day", "other", "digital", "thumbs2"),
        TouchpointTemplate("Wi-Fi setup", "in_person", "human"),
    )),
    MomentTemplate("First bill", "SMOT", "The first bill matches the price sold; part-month days explained on it.", (
        TouchpointTemplate("First bill by e-mail", "email"),
        TouchpointTemplate("Bill in the app", "app"),
    )),
    MomentTemplate("Support and faults", "SMOT", "Faults fixed within 24 hours; the customer told when it will be fixed.", (
        TouchpointTemplate("Technical support by phone", "phone", "human", "ces7"),
        TouchpointTemplate("Support chat", "chat", "human"),
        TouchpointTemplate("Outage notices", "messaging"),
    )),
    MomentTemplate("Reviews and word of mouth", "TMOT", "Survey 14 days after installation; answer public complaints within 4 hours.", (
        TouchpointTemplate("Post-installation survey", "email", "digital", "nps11"),
        TouchpointTemplate("Review sites", "web", "digital", "stars5"),
        TouchpointTemplate("Social media mentions", "social", "human", "thumbs2"),
    )),
]

# A hospital outpatient visit: from finding a specialist to the patient's feedback.
OUTPATIENT: list[MomentTemplate] = [
    MomentTemplate("Finding a specialist", "ZMOT", "Specialists, waiting times and locations on the website; questions answered within a day.", (
        TouchpointTemplate("Hospital website", "web"),
        TouchpointTemplate("Patient reviews", "web", "digital", "stars5"),
        TouchpointTemplate("Questions by phone", "phone", "human"),
    )),
    MomentTemplate("Booking the appointment", "FMOT", "Offer an appointment within 15 days; confirm it with preparation instructions.", (
        TouchpointTemplate("Online booking", "web", "digital", "ces7"),
        TouchpointTemplate("Call centre", "phone", "human", "ces7"),
        TouchpointTemplate("Patient app", "app", "digital", "ces7"),
    )),
    MomentTemplate("Reminders and preparation", "SMOT", "Reminder 48 hours ahead with what to bring and how to prepare.", (
        TouchpointTemplate("Reminder by text message", "messaging"),
        TouchpointTemplate("Preparation instructions by e-mail", "email"),
    )),
    MomentTemplate("Arrival and registration", "SMOT", "Register within 5 minutes; signs from the entrance to every clinic.", (
        TouchpointTemplate("Reception desk", "in_person", "human"),
        TouchpointTemplate("Registration kiosk", "kiosk", "digital", "ces7"),
        TouchpointTemplate("Finding the way", "physical_place", "digital", "ces7"),
    )),
    MomentTemplate("Waiting room", "SMOT", "Tell patients the expected wait; beyond 20 minutes, apologise and explain why.", (
        TouchpointTemplate("Waiting time", "physical_place"),
        TouchpointTemplate("Waiting room comfort", "physical_place"),
    )),
    MomentTemplate("Consultation", "SMOT", "Explain the diagnosis and next steps in plain words and leave time for questions.", (
        TouchpointTemplate("Doctor", "in_person", "human"),
        TouchpointTemplate("Nurse", "in_person", "human"),
    )),
    MomentTemplate("Tests and results", "SMOT", "Results within the promised days, explained by the doctor or in the portal.", (
        TouchpointTemplate("Tests and samples", "in_person", "human"),
        TouchpointTemplate("Results in the patient portal", "web"),
    )),
    MomentTemplate("Payment and paperwork", "SMOT", "One clear bill; the hospital deals with the insurer.", (
        TouchpointTemplate("Billing desk", "in_person", "human", "ces7"),
        TouchpointTemplate("Invoice by e-mail", "email"),
    )),
    MomentTemplate("Follow-up", "SMOT", "Book the follow-up before the patient leaves; call back within 3 days when asked.", (
        TouchpointTemplate("Follow-up call", "phone", "human"),
        TouchpointTemplate("Follow-up booking", "web", "digital", "ces7"),
    )),
    MomentTemplate("Patient feedback", "TMOT", "Survey every patient; answer complaints within 5 working days.", (
        TouchpointTemplate("Patient survey", "email", "digital", "nps11"),
        TouchpointTemplate("Complaints and suggestions form", "web"),
        TouchpointTemplate("Social media mentions", "social", "human", "thumbs2"),
    )),
]

# An online shop order: from discovering a product to reviewing it.
ONLINE_ORDER: list[MomentTemplate] = [
    MomentTemplate("Discovering products", "ZMOT", "Price, stock and delivery date right on every product page; reviews shown.", (
        TouchpointTemplate("Search and product pages", "web"),
        TouchpointTemplate("Product reviews", "web", "digital", "stars5"),
        TouchpointTemplate("Social media posts", "social", "digital", "thumbs2"),
    )),
    MomentTemplate("Checkout and payment", "FMOT", "Checkout in under 2 minutes; the total with delivery shown before payment.", (
        TouchpointTemplate("Web checkout", "web", "digital", "ces7"),
        TouchpointTemplate("App checkout", "app", "digital", "ces7"),
    )),
    MomentTemplate("Order confirmation", "SMOT", "Confirmation e-mail within a minute, with the delivery date.", (
        TouchpointTemplate("Confirmation e-mail", "email"),
    )),
    MomentTemplate("Shipping updates", "SMOT", "Tracking link as soon as it ships; tell of any delay before the customer asks.", (
        TouchpointTemplate("Tracking page", "web"),
        TouchpointTemplate("Shipping notices", "messaging"),
    )),
    MomentTemplate("Delivery", "SMOT", "Delivered on the promised day; the courier calls when no one is home.", (
        TouchpointTemplate("Courier", "in_person", "human"),
        TouchpointTemplate("Pick-up point", "physical_place"),
    )),
    MomentTemplate("Unboxing", "SMOT", "Well packed, complete and as described.", (
        TouchpointTemplate("Packaging", "other"),
        TouchpointTemplate("Product as described", "other", "digital", "stars5"),
    )),
    MomentTemplate("Customer service", "SMOT", "Answer within 2 hours in chat and 24 hours by e-mail; solve at first contact.", (
        TouchpointTemplate("Chat", "chat", "human"),
        TouchpointTemplate("E-mail support", "email", "human"),
        TouchpointTemplate("Phone", "phone", "human", "ces7"),
    )),
    MomentTemplate("Returns and refunds", "SMOT", "A free return label in one click; refund within 3 days of receiving the return.", (
        TouchpointTemplate("Returns portal", "web", "digital", "ces7"),
        TouchpointTemplate("Refund", "other"),
    )),
    MomentTemplate("Reviews and recommendations", "TMOT", "Ask for a review 7 days after delivery; answer every negative review.", (
        TouchpointTemplate("Post-purchase survey", "email", "digital", "nps11"),
        TouchpointTemplate("Product review invitation", "email", "digital", "stars5"),
        TouchpointTemplate("Social media mentions", "social", "human", "thumbs2"),
    )),
]


class CycleTemplate(NamedTuple):
    """A template as the "new cycle" form offers it: a title, a line that says what it
    covers, and its moments (in English; translated when a cycle is made from it)."""

    title: Promise
    description: Promise
    moments: list[MomentTemplate]


TEMPLATES: dict[str, CycleTemplate] = {
    "airline": CycleTemplate(_("Airline passenger journey"),
                             _("From searching a flight to the reviews after it: check-in, bag drop, boarding, "
                               "baggage claim."), AIRLINE),
    "hotel": CycleTemplate(_("Hotel stay"),
                           _("From comparing hotels to the review after check-out: booking, arrival, the room, "
                             "breakfast, the bill."), HOTEL),
    "bank_account": CycleTemplate(_("Retail bank account opening"),
                                  _("From comparing accounts to the first payment: application, identity check, "
                                    "approval, card delivery."), BANK_ACCOUNT),
    "broadband": CycleTemplate(_("Telecom broadband installation"),
                               _("From checking coverage to the first bill: ordering, scheduling, the technician's "
                                 "visit, faults."), BROADBAND),
    "outpatient": CycleTemplate(_("Hospital outpatient visit"),
                                _("From finding a specialist to the follow-up: booking, registration, waiting, "
                                  "consultation, results."), OUTPATIENT),
    "online_order": CycleTemplate(_("Online shop order"),
                                  _("From discovering a product to its review: checkout, shipping, delivery, "
                                    "customer service, returns."), ONLINE_ORDER),
}
