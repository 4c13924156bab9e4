"""The test suite's settings (pyproject.toml: DJANGO_SETTINGS_MODULE): the site's own settings, with what makes
tests fast and keeps runs apart. Tests that check a behaviour these change set it back with pytest-django's
`settings` fixture."""

import tempfile

from config.settings import *  # noqa: F403
from config.settings import CACHES

# Hashing a test password takes microseconds instead of the production hasher's deliberate cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# WhiteNoise looks a static file up when it is asked for (as under `make run`) instead of listing static/ each
# time a test client starts.
WHITENOISE_AUTOREFRESH = True

# A test types faster than any person: the story form's "sent very quickly" check is tested where it is set.
STORY_MIN_SECONDS = 0

# This process's own folder for the file cache that serves sessions: another run or pytest-xdist worker never
# shares it.
if "sessions" in CACHES:
    CACHES["sessions"]["LOCATION"] = tempfile.mkdtemp(prefix="rewire-test-sessions-")

# Who runs the site: as an unconfigured deployment says it, whatever `make`'s example values are (tests that show
# a publisher set one).
SITE_OPERATOR = SITE_CONTACT_EMAIL = SITE_POSTAL_ADDRESS = SITE_REGISTRATION = ""
