"""Fixtures of the security suite: two complete organizations, no throttling, a fast password hash."""

from __future__ import annotations

import pytest

from .world import world_build


@pytest.fixture(autouse=True)
def _fast_and_unthrottled(settings):
    """The matrices send hundreds of requests per identity (throttling has its own tests),
    and build users by the dozen: PBKDF2's deliberate slowness is not what is tested here."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "1000000/s", "ingest": "1000000/s"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worlds(db):
    """(victim, own): organization A, whose data must stay invisible, and organization B, the caller."""
    return world_build("alphaleak"), world_build("bravoown")
