"""Ids in query strings and bodies: bad values are a 400, never a database error."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

# Ids are positive BIGINTs; a bigger number overflows the database driver (500).
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An integer id filter: "1.5", "abc", 0 or 2**64 is a 400, never a database error."""

    field_class = IdField
