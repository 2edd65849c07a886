"""Intent names the actions and the domain generator share (the NLU data defines them)."""

from bot.values import FAQ_INTENTS

__all__ = ["CONTROL_INTENTS", "FAQ_INTENTS"]

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
