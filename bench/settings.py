"""Settings for the benchmark: the project's own settings plus one URL, /bench/baseline/.

Everything else (database, cache, security, static files) comes from config.settings and the
environment, exactly as in production; bench/run.py sets the environment.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
