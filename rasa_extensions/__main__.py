"""`python -m rasa_extensions run ...`: Rasa's command line, with the fixes in fixes.py and
hardening.py, and the HTTP API's settings from the environment (http_api.py)."""

import sys

from rasa_extensions import fixes, hardening, http_api

fixes.apply()
hardening.apply()
sys.argv[1:] = http_api.with_api_arguments(sys.argv[1:])

from rasa.__main__ import main  # noqa: E402

sys.exit(main())
