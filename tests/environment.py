"""What a test needs from the machine (a browser, PostgreSQL, Redis, the seed files): a developer without it gets a
loud skip; CI, which provides everything (.ci/run sets CI), gets a failure, so an absence never hides a fault."""

import os

import pytest


def skip_outside_ci(reason):
    (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)
