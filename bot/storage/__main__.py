"""`python -m bot.storage ...`: see bot/storage/cli.py."""

import sys

from bot.storage.cli import main

sys.exit(main())
