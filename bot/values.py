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

#: Who a chat is about: the patient, their child, or someone else (the audience question).
AUDIENCES: Final = ("self", "child", "other")

#: Longer messages are refused before NLU (a screening answer is a few words) and cut before
#: parsing; the patient is told the limit.
MAX_MESSAGE_CHARS: Final = 2000

#: The questions about the studies that have a written answer (bot/content/conversation.yaml
#: `faq`); the NLU data defines each as an intent, and a rule answers each.
FAQ_INTENTS: Final = (
    "faq_sbrt",
    "faq_cardunilizumab",
    "faq_penpulimab",
    "faq_gemcitabine",
    "faq_immunotherapy",
    "faq_metastasectomy",
    "faq_clinical_trial",
    "faq_location",
    "faq_duration",
    "faq_cost",
    "faq_privacy",
    "faq_bot",
    "faq_status",
)
