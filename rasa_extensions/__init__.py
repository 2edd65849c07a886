"""Extensions that run inside the Rasa server process (not the action server).

Rasa imports channel classes named in credentials.yml from here; `python -m rasa_extensions`
runs Rasa's own command line after installing the patches in `patches/`.
"""
