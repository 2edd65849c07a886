"""Values shared by every layer of the core."""

from typing import Final

#: A fact the patient was asked about and could not or would not answer ("not sure",
#: "prefer not to say"). It counts as answered (never asked again) but decides nothing.
UNKNOWN: Final = "unknown"

#: The two questions asked before any health question: consent, then who the chat is about.
CONSENT: Final = "consent"
AUDIENCE: Final = "audience"

#: The form's question after 'delete my data': "Type YES to confirm" (bot/dialogue.py).
DELETE_CONFIRMATION: Final = "delete_confirmation"
#: Asked when only studies that are not taking new people remain possible: stop now (see the
#: result) or go on answering (issue 11). Its values are CLOSED_STOP and CLOSED_GO_ON.
CLOSED_CHOICE: Final = "closed_trial_choice"
CLOSED_STOP: Final = "stop"
CLOSED_GO_ON: Final = "go_on"
