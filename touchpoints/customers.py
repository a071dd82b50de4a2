"""Customers known by a keyed hash of the reference a client gives, never the reference.

A client links ratings of one customer by sending the same `customer` reference
(a booking code, an account id, an e-mail hash). Momento keeps HMAC-SHA256 of it
under a secret of the organization (`CustomerSecret`, made on first use): the
same reference always maps to the same customer inside one organization, to a
different, unrelated hash in another, and the reference cannot be read back. A
`Customer` row per hash gives ratings a small integer to group by.

Two writers touch a customer, and their row locks keep every rating's customer
in place without a foreign-key check per inserted rating:

* ingest (`customers_link`, inside the ingest transaction) holds `FOR KEY SHARE`
  on each customer it links until it commits;
* erasure (`analytics.erasure`) takes the customer `FOR UPDATE`, which waits for
  those ingests, then deletes the customer's ratings and the customer.

An ingest that meets a customer erased meanwhile finds its row gone after the
wait and makes a new one, so its ratings are kept under a new customer: erasure
removes what was stored when it ran.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import connection

from .models import CUSTOMER_REFERENCE_MAX_LENGTH, Customer, CustomerSecret
from .problems import Problem

CUSTOMERS = Customer._meta.db_table
# C0 and C1 control characters and DEL: a reference is an identifier, not text to lay out.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Rows a concurrent erasure removed between our insert and our lock are made again:
# each try can only lose rows deleted in that instant, so two tries are plenty.
LINK_TRIES = 3


def customer_reference_problem(value: Any) -> Problem | None:
    """What is wrong with a customer reference (None: fine). Strings only, not
    blank, at most CUSTOMER_REFERENCE_MAX_LENGTH characters, no control characters.

    >>> customer_reference_problem("PNR-7XK2QD") is None
    True
    >>> customer_reference_problem("a\\tb").code
    'customer_control_character'
    """
    if not isinstance(value, str):
        return Problem("customer_not_string")
    if not value.strip():
        return Problem("customer_blank")
    if len(value) > CUSTOMER_REFERENCE_MAX_LENGTH:
        return Problem("too_long", {"max": CUSTOMER_REFERENCE_MAX_LENGTH})
    if _CONTROL.search(value):
        return Problem("customer_control_character")
    return None


def customer_hash(secret: str, reference: str) -> str:
    """HMAC-SHA256 of the reference (white space around it ignored) under the
    organization's secret, in hex.

    >>> customer_hash("k", " PNR-1 ") == customer_hash("k", "PNR-1") != customer_hash("other", "PNR-1")
    True
    """
    return hmac.new(secret.encode(), reference.strip().encode(), hashlib.sha256).hexdigest()


def customer_secret(*, organization_id: int) -> str:
    """The organization's secret, made the first time it is needed (two at once
    agree: the insert that loses reads the winner's)."""
    found = CustomerSecret.objects.filter(organization_id=organization_id).values_list("secret", flat=True).first()
    if found is not None:
        return found
    CustomerSecret.objects.bulk_create(
        [CustomerSecret(organization_id=organization_id, secret=secrets.token_hex(32))], ignore_conflicts=True
    )
    return CustomerSecret.objects.values_list("secret", flat=True).get(organization_id=organization_id)


def customers_link(*, organization_id: int, keys: Iterable[str]) -> dict[str, int]:
    """Customer id of each hash, making the customers not seen before; locks each
    row (`FOR KEY SHARE`) until the caller's transaction ends. Inside that transaction.

    Keys go in sorted, so two batches that share customers take their locks in
    the same order and cannot deadlock.
    """
    wanted = sorted(set(keys))
    found: dict[str, int] = {}
    for _try in range(LINK_TRIES):
        missing = [key for key in wanted if key not in found]
        if not missing:
            break
        found.update(_insert_new(organization_id, missing))
        rest = [key for key in missing if key not in found]
        if rest:
            found.update(_lock_existing(organization_id, rest))
    if len(found) != len(wanted):  # pragma: no cover - erased three times within one batch
        raise RuntimeError("customers were erased while this batch was linking them; send it again")
    return found


def _insert_new(organization_id: int, keys: list[str]) -> dict[str, int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {CUSTOMERS} (organization_id, key) SELECT %s, k FROM unnest(%s::varchar[]) AS k "
                f"ON CONFLICT (organization_id, key) DO NOTHING RETURNING key, id",
                [organization_id, keys],
            )
            return dict(cursor.fetchall())
        created: dict[str, int] = {}
        for start in range(0, len(keys), 400):  # SQLite: 2 parameters a row, under its 999 limit
            chunk = keys[start:start + 400]
            cursor.execute(
                f"INSERT INTO {CUSTOMERS} (organization_id, key) VALUES {', '.join(['(%s, %s)'] * len(chunk))} "
                f"ON CONFLICT (organization_id, key) DO NOTHING RETURNING key, id",
                [value for key in chunk for value in (organization_id, key)],
            )
            created.update(cursor.fetchall())
        return created


def _lock_existing(organization_id: int, keys: list[str]) -> dict[str, int]:
    if connection.vendor == "postgresql":
        # KEY SHARE, not FOR SHARE: it waits for an erasure's FOR UPDATE, yet two
        # ingests linking the same customer never wait for each other.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT key, id FROM {CUSTOMERS} WHERE organization_id = %s AND key = ANY(%s::varchar[]) "
                f"ORDER BY key FOR KEY SHARE",
                [organization_id, keys],
            )
            return dict(cursor.fetchall())
    # SQLite runs one write transaction at a time: no erasure can be in between.
    return dict(Customer.objects.filter(organization_id=organization_id, key__in=keys).values_list("key", "id"))


def customer_find(*, organization_id: int, reference: str) -> int | None:
    """The id of the customer this reference names in the organization, or None
    (a read: an organization without a secret yet has no customers)."""
    secret = CustomerSecret.objects.filter(organization_id=organization_id).values_list("secret", flat=True).first()
    if secret is None:
        return None
    key = customer_hash(secret, reference)
    return Customer.objects.filter(organization_id=organization_id, key=key).values_list("pk", flat=True).first()
