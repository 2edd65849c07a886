"""Fuzz tests: hostile and forged messages through the real REST channel."""
