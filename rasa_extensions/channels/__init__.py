"""Messaging channels with verified webhooks: Telegram, Facebook Messenger, Twilio SMS and
WhatsApp, WeChat Official Account.

Each is named in credentials.yml by its class path with its secrets as ${VARIABLES}; a channel
whose variables are not all set is left out at start-up (rasa_extensions/credentials.py). The
formatting for each app is in `formatting.py` (no Rasa imports); `python -m
rasa_extensions.channels telegram-webhook` registers the Telegram webhook. This package's
__init__ imports nothing from Rasa, so the formatting and the command stay light.
"""
