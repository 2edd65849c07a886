"""Rasa custom actions: thin translators between Rasa's tracker and the `bot` core.

The trial data and the facts catalog are loaded and checked when the action server imports
this package, so a broken file stops the server at start-up with one message naming the file
and the criterion, instead of failing patients one question at a time.
"""

from bot.catalog import CatalogError, load_catalog
from bot.trials import TrialDataError, load_trials

try:
    load_catalog()
    load_trials()
except (CatalogError, TrialDataError) as _error:
    raise SystemExit(
        f"error: trial data refused, the action server will not start: {_error}"
    ) from None
