"""What touchpoints adds to journeys' map page: the dialogs that add, edit and delete
a touchpoint (the page is journeys'; the touchpoint form is this layer's)."""

from django import template

from ..forms import TouchpointForm

register = template.Library()


@register.inclusion_tag("touchpoints/_touchpoint_dialogs.html")
def touchpoint_dialogs() -> dict:
    return {"touchpoint_form": TouchpointForm(auto_id="touchpoint_%s")}
