"""README.md tells a newcomer where the weekly review is and how its weeks open in both modes,
in words that match the app."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.urls import reverse

README = Path(settings.BASE_DIR, "README.md").read_text()
SECTION = README.split("## Weekly reviews and webhooks")[1].split("\n## ")[0]


def test_the_readme_gives_the_review_pages_address():
    assert "`/cycles/<id>/reviews/`" in SECTION
    assert reverse("reviews:week", args=[7]) == "/cycles/7/reviews/"


def test_the_readme_says_how_weeks_open_on_a_server_in_the_embedded_mode_and_by_hand():
    assert "On a server" in SECTION and "beat" in SECTION
    assert "In the embedded mode" in SECTION and "Open this week's review" in SECTION
    assert "python manage.py reviews_open_week" in SECTION and "reviews_open_week" in get_commands()


def test_the_button_the_readme_names_is_the_one_on_the_page():
    template = Path(settings.BASE_DIR, "templates", "reviews", "_opening.html").read_text()
    assert "Open this week’s review" in template  # the README writes the apostrophe plainly
