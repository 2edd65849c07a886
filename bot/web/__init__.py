"""The project's web pages: the patient chat page and its embeddable widget (blueprint
`patient`), served by one Flask app (`app.create_app`) under waitress (`python -m bot.web`).

The chat itself runs in the browser and talks to Rasa's socket.io channel directly; this
server only serves the page, the widget script and their static files. Staff pages will be
another blueprint of the same app.
"""
