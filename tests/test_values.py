"""Shared constants have one definition (bot/values.py); the copies still written in bot/
modules that other changes restructure must agree with it until they import it."""

from bot import dialogue, values
from rasa_extensions.channels import formatting


def test_the_copies_agree_with_bot_values():
    assert dialogue.MAX_TEXT == values.MAX_MESSAGE_CHARS
    assert formatting.AUDIENCES is values.AUDIENCES
