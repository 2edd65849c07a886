"""Intent names the actions and the domain generator share (the NLU data defines them)."""

#: Intents that take the conversation somewhere else, even while a question is open: they are
#: never read as an answer (the answer slots' mappings exclude them) and rules handle them.
CONTROL_INTENTS = (
    "urgent_help",
    "self_harm",
    "stop",
    "restart",
    "change_answer",
    "human_handoff",
    "delete_data",
    "switch_language",
)

FAQ_INTENTS = (
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
