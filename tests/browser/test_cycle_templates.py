"""A cycle made from each template in Chromium (issue 19, items 4 and 7): the "new
cycle" form offers six templates with what they cover; each makes its whole cycle in
the language of the page, seen as cards and as the whole cycle at a glance."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from journeys.cycle_templates import TEMPLATES

pytestmark = pytest.mark.browser

WORDS = {"en": {"name": "Name", "create": "Create cycle"}, "es": {"name": "Nombre", "create": "Crear ciclo"}}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_cycle_from_each_template(page, shoot, log_in, cx_manager, language):
    log_in(cx_manager)
    if language != "en":
        with page.expect_navigation():
            page.locator("#language-select").select_option(language)
    for key, template in TEMPLATES.items():
        with translation.override(language):
            title = str(template.title)
            names = [translation.gettext(moment.name) for moment in template.moments]
        page.goto("/")
        form = page.locator(".create-cycle form")
        form.get_by_label(WORDS[language]["name"], exact=True).fill(f"{title} ({language})")
        form.get_by_label(title).check()
        if key == "airline":
            shoot(f"cycle-templates-form-{language}")
        form.get_by_role("button", name=WORDS[language]["create"]).click()
        expect(page.get_by_role("heading", name=f"{title} ({language})")).to_be_visible()
        expect(page.locator("#lane .moment-card")).to_have_count(len(names))
        assert page.locator("#lane .moment-name").all_inner_texts() == names
        page.goto(page.url.split("?")[0] + "?view=compact")
        expect(page.locator("#lane-region")).to_have_attribute("data-view", "compact")
        cards = page.eval_on_selector_all("#lane .moment-card", "nodes => nodes.map(n => n.getBoundingClientRect().right)")
        assert max(cards) <= 1280
        shoot(f"cycle-template-{key}-{language}")
