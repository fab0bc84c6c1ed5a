# The children, staff, records and requests of tests/access_requests are the world hostile
# input is tried in.
from tests.access_requests.conftest import *  # noqa: F403, I001

import pytest
from django.db import connection


@pytest.fixture
def postgresql_only(db):
    """Skip, saying so, where the test needs concurrent connections to a real server."""
    if connection.vendor != "postgresql":
        pytest.skip("Needs concurrent connections to a real server; runs in CI's PostgreSQL pass")
