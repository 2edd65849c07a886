"""`python -m rasa_extensions run ...`: Rasa's command line, with every patch of
rasa_extensions/patches installed first and the HTTP API's settings from the environment
(http_api.py). Each server start path (`make run`, the cluster, the tests) comes through here."""

import logging
import sys

# Rasa sets the level of its own `rasa` logger only and logs some lines on the root logger
# ("Rasa server is up and running"); the project's loggers inherit the root's level too.
# Loading the intent classifier imports skops, whose scan of scikit-learn imports
# numpy.distutils, which sets the root logger to WARNING as a side effect: every INFO line
# (a conversation deleted, a turn not saved) was then dropped. Import it first, then set it.
import skops.io  # noqa: F401

from bot.settings import load_settings
from rasa_extensions import http_api, patches

logging.getLogger().setLevel(load_settings().log_level)

try:
    patches.apply_all()
except patches.PatchRefused as error:
    raise SystemExit(f"error: {error}") from None
# What is in place now (each target holds its replacement), not what was asked for.
print(f"patches applied: {', '.join(patches.installed())}", flush=True)
sys.argv[1:] = http_api.with_api_arguments(sys.argv[1:])

from rasa.__main__ import main  # noqa: E402

sys.exit(main())
