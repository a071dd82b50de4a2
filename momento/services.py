"""Writes every app shares (HackSoftware's Django-Styleguide `model_update`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

ModelT = TypeVar("ModelT", bound=models.Model)


@transaction.atomic
def model_update(
    *,
    instance: ModelT,
    fields: Sequence[str],
    data: Mapping[str, Any],
    lock: bool = True,
    clean_exclude: Sequence[str] = (),
) -> tuple[ModelT, list[str]]:
    """Change the `fields` of `instance` that `data` names, and save only those.

    With `lock` (the default) the row is read again with SELECT … FOR UPDATE
    and the values are set on that fresh copy, so another writer's change to any
    other column (a structure version, a flag) is never written back stale; a
    caller that has locked the row already passes `lock=False`. A key of `data`
    outside `fields` is a ValidationError, as is any value `full_clean` refuses;
    nothing is written then. Returns the saved row and the names of the fields
    that really changed (empty: nothing was written). A row deleted meanwhile
    raises the model's DoesNotExist.
    """
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    if lock:
        instance = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    changed = []
    for name in fields:
        if name in data and getattr(instance, name) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    if not changed:
        return instance, []
    # full_clean runs field validators (choices, lengths, ranges) so bad input
    # is a ValidationError here, before the row is written.
    instance.full_clean(exclude=list(clean_exclude), validate_constraints=False)
    automatic = [field.name for field in instance._meta.concrete_fields if getattr(field, "auto_now", False)]
    instance.save(update_fields=[*changed, *(name for name in automatic if name not in changed)])
    return instance, changed
