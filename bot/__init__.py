"""Domain core of the sarcoma trial pre-screening assistant.

Plain Python with no Rasa imports: trials and facts as data, answer parsing, the screening
engine and (later) storage, staff review, web pages and channels. Rasa's action server only
translates between its tracker and this package.
"""
