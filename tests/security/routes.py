"""Every URL pattern of the project, and a concrete URL for one organization's objects.

`all_routes()` walks `get_resolver()` through every include, so a page or API
endpoint added anywhere is in the matrices without anyone listing it.
`route_url()` fills each path parameter from a small explicit table
(parameter name, or for `pk` the collection segment before it, → object of
the organization); a parameter the table does not know raises
`UnmappedParameter`, which fails the matrix: a new route cannot be skipped
silently, someone has to say which object its parameters name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from .world import MISSING_ID, World


class UnmappedParameter(LookupError):
    pass


@dataclass(frozen=True)
class Route:
    pieces: tuple  # the RoutePattern/RegexPattern of every include level, outermost first
    namespace: str
    name: str
    callback: object

    @property
    def pattern(self) -> str:
        return "".join(str(piece) for piece in self.pieces)

    @property
    def parameters(self) -> tuple[str, ...]:
        names: list[str] = []
        for piece in self.pieces:
            names += list(piece.regex.groupindex)
        return tuple(names)

    @property
    def full_name(self) -> str:
        return f"{self.namespace}:{self.name}" if self.namespace else self.name

    @property
    def is_admin(self) -> bool:
        return self.namespace == "admin"

    @property
    def is_api(self) -> bool:
        return self.namespace == "api"

    @property
    def has_format_suffix(self) -> bool:
        return "format" in self.parameters

    @property
    def object_parameters(self) -> tuple[str, ...]:
        return tuple(name for name in self.parameters if name not in STATIC_PARAMETERS)

    def __str__(self) -> str:
        return self.pattern


def _walk(patterns, pieces: tuple, namespace: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry.url_patterns, (*pieces, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield Route(pieces=(*pieces, entry.pattern), namespace=namespace, name=entry.name or "",
                        callback=entry.callback)


@cache
def all_routes() -> tuple[Route, ...]:
    return tuple(_walk(get_resolver().url_patterns, (), ""))


# --- Parameter → object ------------------------------------------------------------------

# `pk` names an object of the collection written just before it in the path.
PK_COLLECTIONS = {
    "cycles": "cycle", "organizations": "organization", "moments": "moment", "touchpoints": "touchpoint",
    "segments": "segment", "ratings": "rating", "tokens": "token", "review-items": "review_item",
    "webhooks": "webhook", "imports": "rating_import", "members": "membership", "invitations": "invitation",
    "alerts": "alert",
    "survey-links": "survey_link",
    "exports": "report_export",
}
NAMED_PARAMETERS = {
    "moment_pk": "moment", "touchpoint_pk": "touchpoint", "item_id": "review_item", "action_id": "action",
    "org_pk": "organization", "token_pk": "token", "webhook_pk": "webhook", "member_pk": "membership", "task_id": "task_id",
    "invitation_pk": "invitation", "link_pk": "survey_link", "segment_pk": "segment",
    "share_link_pk": "share_link",
    # admin: auth/user/<id>/password/
    "id": "admin",
}
# Parameters that name no object of an organization. An invitation link's token is a
# credential of its own (whoever holds it is invited), so the matrices send one that
# nobody was given: the page must show nothing of anyone and change nothing.
# A survey link's public token and a per-recipient part likewise: the public survey pages
# are sent a token nobody was given (a friendly 404 that names nothing, changes nothing).
# A share link's token likewise: whoever holds it sees one cycle read-only; the matrices
# send one that opens nothing (tests/analytics/test_shared_pages.py opens real ones).
STATIC_PARAMETERS = {"format": "json", "app_label": "journeys", "url": "no-such-page/",
                     "token": "inv_" + "Z" * 43, "survey_token": "Z" * 22, "signed": "InRpY2tldC0xIg:forged",
                     "share_token": "shr_" + "Z" * 43}
ADMIN_MODELS = {  # admin URL names are <app>_<model>_<view>
    "journeys_organization": "organization", "journeys_membership": "membership",
    "journeys_servicecycle": "cycle", "journeys_moment": "moment", "touchpoints_touchpoint": "touchpoint",
    "touchpoints_segment": "segment", "touchpoints_rating": "rating", "auth_user": "admin",
}


def _object(world: World, attribute: str):
    if attribute == "membership":
        return world.organization.memberships.get(user=world.admin)
    return getattr(world, attribute)


def _value(route: Route, piece, parameter: str, before: str, world: World | None) -> str:
    """The text for `parameter`; `world=None` gives an id that exists nowhere."""
    if parameter in STATIC_PARAMETERS:
        return STATIC_PARAMETERS[parameter]
    if parameter == "pk":
        segment = [part for part in re.sub(r"[\^$\\]", "", before).split("/") if part]
        attribute = PK_COLLECTIONS.get(segment[-1] if segment else "")
    elif parameter == "object_id" and route.is_admin:
        attribute = next((value for key, value in ADMIN_MODELS.items() if route.name.startswith(key + "_")), None)
        if attribute is None and route.name == "view_on_site":
            attribute = "cycle"
        if attribute is None and route.name == "":
            # admin/<app>/<model>/<object_id>/ redirects to …/change/; the model is in the path
            model_path = "_".join(p for p in re.sub(r"<[^>]+>", "", route.pattern).split("/")[1:3])
            attribute = ADMIN_MODELS.get(model_path)
        if attribute is None:
            # an admin model of a third-party app (django_celery_beat): no organization object
            return "1"
    elif parameter == "content_type_id":
        return str(ContentType.objects.get_by_natural_key("journeys", "servicecycle").pk)
    else:
        attribute = NAMED_PARAMETERS.get(parameter)
    if attribute is None:
        raise UnmappedParameter(
            f"{route.full_name or '(unnamed)'} {route.pattern}: no object for <{parameter}>; add it to "
            f"tests/security/routes.py (PK_COLLECTIONS or NAMED_PARAMETERS)"
        )
    if world is None:
        return "missing-task" if attribute == "task_id" else str(MISSING_ID)
    value = _object(world, attribute)
    return str(value if isinstance(value, str) else value.pk)


def _fill_regex(route: Route, piece, world: World | None) -> str:
    text = piece._regex
    out, index = [], 0
    while index < len(text):
        match = re.compile(r"\(\?P<(\w+)>").match(text, index)
        if match:
            depth, end = 1, match.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0) if text[end - 1] != "\\" else 0
                end += 1
            out.append(_value(route, piece, match.group(1), "".join(out), world))
            index = end
            continue
        out.append(text[index])
        index += 1
    filled = "".join(out)
    return filled.lstrip("^").replace("/?$", "/").rstrip("$").replace("\\.", ".").replace("\\", "")


def route_url(route: Route, world: World | None) -> str:
    """A concrete path for `route` naming `world`'s objects (or objects that exist nowhere)."""
    path = ""
    for piece in route.pieces:
        if isinstance(piece, RoutePattern):
            text = str(piece)
            for match in list(re.finditer(r"<(?:(\w+):)?(\w+)>", text)):
                if match.group(1) == "drf_format_suffix":  # DRF's optional ".json" suffix
                    value = ".json"
                else:
                    value = _value(route, piece, match.group(2), path + text[: match.start()], world)
                text = text.replace(match.group(0), value, 1)
            path += text
        elif isinstance(piece, RegexPattern):
            path += _fill_regex(route, piece, world)
        else:  # pragma: no cover - LocalePrefixPattern and friends are not used
            raise UnmappedParameter(f"{route.pattern}: unknown pattern type {type(piece).__name__}")
    url = "/" + path
    try:
        found = resolve(url)
    except Resolver404:
        raise UnmappedParameter(f"{route.pattern}: the filled URL {url} does not resolve") from None
    if found.func is not route.callback:
        raise UnmappedParameter(f"{route.pattern}: the filled URL {url} resolves to {found.view_name}")
    return url


def route_id(route: Route) -> str:
    return route.pattern
