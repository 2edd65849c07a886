"""`python -m rasa_extensions run ...`: Rasa's command line, with every patch of
rasa_extensions/patches installed first and the HTTP API's settings from the environment
(http_api.py). Each server start path (`make run`, the cluster, the tests) comes through here."""

import sys

from rasa_extensions import http_api, patches

try:
    patches.apply_all()
except patches.PatchRefused as error:
    raise SystemExit(f"error: {error}") from None
# What is in place now (each target holds its replacement), not what was asked for.
print(f"patches applied: {', '.join(patches.installed())}", flush=True)
sys.argv[1:] = http_api.with_api_arguments(sys.argv[1:])

from rasa.__main__ import main  # noqa: E402

sys.exit(main())
