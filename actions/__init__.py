"""Rasa custom actions: thin translators between Rasa's tracker and the `bot` core."""
