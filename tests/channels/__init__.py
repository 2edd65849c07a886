"""Messaging channels: formatting unit tests, and the real servers with each channel on."""
