"""Privacy: what the servers log, and who may use the Rasa HTTP API."""
