"""Input no view should see: U+0000 and JSON nested without end.

PostgreSQL text cannot hold U+0000 (psycopg refuses it with ValueError before
the query is sent: a 500), and Python's JSON decoder recurses once per level
(a body nested 1,000 deep raises RecursionError: a 500). Both are refused
here, once, before any handler runs:

- `json_body_parse` reads every JSON body (the REST API's parser and the map
  editor's endpoints): depth at most MAX_JSON_DEPTH, no U+0000 in any key or
  string, no unpaired surrogate (no database encoding can store one). Its
  error names where in the body the problem is.
- `HostileQueryStringMiddleware` refuses a query string with U+0000, which
  every page and list endpoint may read; the API gets a JSON 400 naming the
  parameter, pages the 400 page.

Form fields need no guard here: Django's and DRF's CharField refuse U+0000 by
themselves, and the other field types parse their text first.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Our bodies nest three or four levels ({"ratings": [{...}]}); far more is an attack or a bug.
MAX_JSON_DEPTH = 32
# How far down an error names its place: "ratings.3.comment".
PATH_LEVELS = 3
_CONTAINERS = frozenset({dict, list})
_NUL_ESCAPE = b"\\u0000"
# A "\ud800"-style escape may decode to a lone surrogate, which Python keeps but
# no database encoding can store; look for one only when the raw body has one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


class UnsafeJson(ValueError):
    """A body that is not JSON Momento can take; `path` leads to the problem (keys and list indexes)."""

    def __init__(self, message: str, *, code: str, path: tuple = ()):
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = path

    @property
    def field(self) -> str:
        """The path as one name ("ratings.3.segment"); "non_field_errors" for the body itself.

        Too deep is the fault of the top-level field that nests, not of its thousandth level.
        """
        parts = self.path[:1] if self.code == "too_deep" else self.path
        return ".".join(str(part).replace("\x00", "\N{REPLACEMENT CHARACTER}") for part in parts) \
            or "non_field_errors"


def json_body_parse(raw: bytes, *, encoding: str = "utf-8") -> Any:
    """Decode a JSON body, or raise UnsafeJson with a translated message and where it is."""
    too_deep = _("The JSON body is nested too deeply (at most %(depth)s levels).") % {"depth": MAX_JSON_DEPTH}
    try:
        data = _orjson_loads(raw, encoding)
        # orjson refuses lone surrogates: a body it read needs no look for them.
        read_by_orjson = data is not _NOT_READ
        if not read_by_orjson:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnsafeJson(too_deep, code="too_deep", path=_recursion_path(text)) from None
    except json.JSONDecodeError as error:
        raise UnsafeJson(_("The body is not valid JSON (line %(line)s, column %(column)s).")
                         % {"line": error.lineno, "column": error.colno}, code="parse_error") from None
    except (ValueError, UnicodeDecodeError):
        raise UnsafeJson(_("The body is not valid JSON (NaN and Infinity are not JSON numbers, and the text must "
                           "be UTF-8)."), code="parse_error") from None
    # Fewer brackets than the limit cannot nest deeper than it: most bodies skip the walk.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _deeper_than(data, MAX_JSON_DEPTH):
        raise UnsafeJson(too_deep, code="too_deep", path=_deep_path(data))
    if _NUL_ESCAPE in raw:
        path = _first_string(data, lambda value: "\x00" in value)
        if path is not None:
            raise UnsafeJson(_("Null characters are not allowed."), code="null_characters_not_allowed", path=path)
    if not read_by_orjson and _SURROGATE_ESCAPE.search(raw) and not _utf8_encodable(data):
        path = _first_string(data, _has_lone_surrogate)
        if path is not None:
            raise UnsafeJson(_("The text contains an unpaired surrogate (a broken \\u escape)."),
                             code="unpaired_surrogate", path=path)
    return data


_NOT_READ = object()
# An integer of 19 digits or more may be past 64 bits, which orjson reads as a float.
# Found as 19 zeros once every digit is a zero: translate() and `in` run in C, a
# regular expression took as long as the parsing itself.
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_INTEGER = b"0" * 19


def _orjson_loads(raw: bytes, encoding: str) -> Any:
    """The body read by orjson (twice as fast as json.loads on a batch of ratings), or
    _NOT_READ where its reading could differ from json.loads' or it refuses the body:
    json.loads then reads it, or says exactly why not. orjson refuses everything
    json.loads refuses here (NaN, bad UTF-8, a BOM, trailing data), and more (lone
    surrogates, numbers beyond a double, nesting past 1,024), never less."""
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return _NOT_READ  # json_body_parse's own decoding says what is wrong
    if not utf8 or _LONG_INTEGER in raw.translate(_DIGITS_AS_ZEROS):
        return _NOT_READ
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _NOT_READ


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` levels, walking level by level (no recursion)."""
    level, depth = [value], 1
    while level:
        if depth > limit:
            return True
        below: list = []
        for container in level:
            children = container.values() if type(container) is dict else container
            # Most containers (a batch's ratings) hold no container: told in C, by their types.
            if not _CONTAINERS.isdisjoint(map(type, children)):
                below += [child for child in children if type(child) in _CONTAINERS]
        level, depth = below, depth + 1
    return False


def _deep_path(data: Any, levels: int = PATH_LEVELS) -> tuple:
    """Where the too-deep part is, named down to `levels` keys or indexes."""
    path: tuple = ()
    value, limit = data, MAX_JSON_DEPTH
    while len(path) < levels and type(value) in _CONTAINERS:
        items = value.items() if type(value) is dict else enumerate(value)
        found = next(((key, child) for key, child in items
                      if type(child) in _CONTAINERS and _deeper_than(child, limit - 1)), None)
        if found is None:
            break
        path, value, limit = (*path, found[0]), found[1], limit - 1
    return path


_SPACE = re.compile(r"[ \t\n\r]*")


def _after_space(text: str, index: int) -> int:
    """Where the JSON whitespace from `index` on ends (the pattern matches even nothing)."""
    match = _SPACE.match(text, index)
    assert match is not None
    return match.end()


def _recursion_path(text: str, index: int = 0, levels: int = PATH_LEVELS) -> tuple:
    """Where a body too deep for json.loads is deep: its members are decoded one by one
    (in C, as json.loads would) until one of them recurses too deep; that one is named."""
    decoder = json.JSONDecoder()
    path: tuple = ()
    try:
        while len(path) < levels:
            index = _after_space(text, index)
            opening = text[index:index + 1]
            if opening not in ("[", "{"):
                break
            index, position, deeper = index + 1, 0, None
            while deeper is None:
                index = _after_space(text, index)
                if opening == "{":
                    # typeshed leaves out json.decoder.scanstring (CPython's string scanner, C or Python).
                    name, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
                    index = _after_space(text, index) + 1  # the ":"
                    index = _after_space(text, index)
                else:
                    name = position
                try:
                    _value, end = decoder.raw_decode(text, index)
                except RecursionError:
                    deeper = name
                    break
                index = _after_space(text, end)
                if text[index:index + 1] != ",":
                    return path
                index, position = index + 1, position + 1
            path = (*path, deeper)
    except (ValueError, IndexError):
        pass  # malformed beyond the deep part: name what was found so far
    return path


def _first_string(data: Any, bad: Callable[[str], bool]) -> tuple | None:
    """The path of the first key or string for which `bad` is true."""
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if bad(value):
                return path
        elif isinstance(value, dict):
            for key, child in value.items():
                if bad(key):
                    return (*path, key)
                stack.append(((*path, key), child))
        elif isinstance(value, list):
            stack.extend(((*path, index), child) for index, child in enumerate(value))
    return None


def _utf8_encodable(data: Any) -> bool:
    """Whether no key or string holds a lone surrogate, checked in C: orjson refuses to
    encode one. Any body with an emoji has surrogate escapes (a pair each); walking it
    string by string cost more than the rest of a ratings batch's parsing. False also
    for what orjson cannot encode for other reasons (an integer past 64 bits), which
    only sends the body to the exact walk."""
    try:
        orjson.dumps(data)
    except orjson.JSONEncodeError:
        return False
    return True


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class HostileQueryStringMiddleware:
    """400 for a query string with U+0000, before any view reads it (and passes it to SQL)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            name = next((key for key, values in request.GET.lists()
                         if "\x00" in key or any("\x00" in value for value in values)), None)
            if name is not None:
                return self._refused(request, name.replace("\x00", "\N{REPLACEMENT CHARACTER}"))
        return self.get_response(request)

    @staticmethod
    def _refused(request: HttpRequest, name: str) -> HttpResponse:
        message = _("Null characters are not allowed.")
        # Refused input, not a fault: one line, no traceback.
        logger.info("refused a query string with a null character in %r on %s", name, request.path)
        if request.path.startswith("/api/"):
            return JsonResponse({name: [message]}, status=400)
        return render(request, "400.html", {"message": message, "field": name}, status=400)
