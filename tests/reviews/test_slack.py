"""Slack messages written from webhook events (reviews.slack)."""

from __future__ import annotations

from reviews.slack import slack_message


def envelope(event: str, **data) -> dict:
    base = {"cycle": {"id": 1, "name": "Airline <main>", "timezone": "UTC"},
            "moment": {"id": 3, "name": "Baggage & claim"}, "touchpoint": None, "url": "/organizations/1/alerts/"}
    return {"id": "e1", "event": event, "created_at": "2026-12-03T10:00:00+00:00", "data": {**base, **data}}


FIGURES = {"n": 120, "dissatisfied": 60, "share": 0.5, "wilson_low": 0.411, "wilson_high": 0.589}


def test_an_opened_alert_reads_as_one_line_with_its_figures_and_a_button(settings):
    settings.MOMENTO_SITE_URL = "https://momento.example.com/"
    message = slack_message(envelope("alert.opened", subject="moment", figures=FIGURES), language="en")
    assert message["text"] == (":rotating_light: Alert: the moment *Baggage &amp; claim* (Airline &lt;main&gt;) is "
                               "critical over the last 7 days: 50% dissatisfied (95% interval 41–59%), n = 120.")
    assert message["blocks"][1]["elements"][0] == {
        "type": "button", "text": {"type": "plain_text", "text": "Open in Momento"},
        "url": "https://momento.example.com/organizations/1/alerts/"}


def test_a_closed_touchpoint_alert_says_why_in_spanish():
    message = slack_message(envelope("alert.closed", subject="touchpoint", close_reason="quiet",
                                     touchpoint={"id": 9, "name": "Kiosk", "key": "kiosk"},
                                     latest={**FIGURES, "n": 0, "dissatisfied": 0, "share": None}), language="es")
    assert message["text"] == (":white_check_mark: Alerta cerrada: *Baggage &amp; claim › Kiosk* "
                               "(Airline &lt;main&gt;): 7 días sin ser crítico. Últimos 7 días: sin valoraciones.")


def test_review_item_events_become_messages_too():
    opened = slack_message(envelope("review_item.opened", week="2026-W48", figures=FIGURES), language="en")
    assert opened["text"].startswith(":clipboard: Weekly review 2026-W48: *Baggage &amp; claim* (Airline &lt;main&gt;)"
                                     " is critical: 50% dissatisfied")
    changed = slack_message(envelope("review_item.status_changed", week="2026-W48", status="acknowledged"),
                            language="es")
    assert changed["text"].endswith("ahora está «Reconocido».")
