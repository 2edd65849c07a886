"""`python -m rasa_extensions run ...`: Rasa's command line, with the fixes in fixes.py."""

import sys

from rasa_extensions import fixes

fixes.apply()

from rasa.__main__ import main  # noqa: E402

sys.exit(main())
