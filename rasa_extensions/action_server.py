"""`python -m rasa_extensions.action_server --port 5055`: rasa_sdk's action server, closed.

rasa_sdk's server answers anyone who can reach its port: any process could run the actions
(record results, delete a conversation) for any conversation id, and its error answer (HTTP
500) returned the whole request body, the tracker with every message and slot. This launcher
builds the same app (`rasa_sdk.endpoint.create_app`, the `actions` package) and adds:

- Every request except `GET /health` must carry `X-Action-Secret: $ACTION_SERVER_SECRET`
  (constant-time check), which Rasa sends from endpoints.yml (`action_endpoint.headers`);
  else HTTP 401 with no detail.
- Errors answer `{"error": "internal error"}` (500) and log only the exception's type: no
  request body, no exception text (which can quote a slot value).
- Request bodies are limited to ACTION_MAX_BODY_BYTES (default 4 MB; a full-length screening
  sends about 0.2 MB); larger requests get Sanic's 413.
- No CORS: browsers never call the action server.
"""

from __future__ import annotations

import argparse
import hmac
import logging

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import dialogue
from bot.catalog import load_catalog
from bot.i18n import LANGUAGES
from bot.settings import load_settings
from bot.trials import load_trials

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Action-Secret"
PUBLIC = {("GET", "/health")}


def build_app(secret: str, max_body: int, actions: str = "actions") -> Sanic:
    """The action server's app, refusing requests without the shared secret."""
    app = create_app(actions, cors_origins=None)  # loads and checks the trial data first
    if len(secret) < 16:
        raise SystemExit("error: ACTION_SERVER_SECRET must be set (at least 16 characters); "
                         "`make run` generates one")
    app.config.REQUEST_MAX_SIZE = max_body

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        if (request.method, request.path) in PUBLIC:
            return None
        given = (request.headers.get(SECRET_HEADER) or "").encode()
        if not hmac.compare_digest(given, secret.encode()):
            logger.warning("action server: request refused (missing or wrong %s)",
                           SECRET_HEADER)
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.exception(Exception)
    async def internal_error(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException) and exception.status_code < 500:
            return response.json({"error": type(exception).__name__},
                                 status=exception.status_code)
        logger.error("action server: request failed (%s)", type(exception).__name__)
        return response.json({"error": "internal error"}, status=500)

    return app


#: What a first patient might type, in each language: parsing it reads every content file
#: and compiles the parsers' patterns (about a second) before anyone waits for it.
WARM_UP_TEXTS = ["I'm 52 with leiomyosarcoma that spread to my lungs, had doxorubicin",
                 "我52岁，平滑肌肉瘤，已经肺转移，用过阿霉素"]


def warm_up() -> None:
    """Load the content and the parsers once, at start, instead of during a patient's turn
    (py-spy: the first turns after a start spent 1.2 s reading YAML and compiling regexes;
    with greetings alone warmed, a quarter of the action server's time over 16 typed
    screenings was still first-use loading: each language's questions, trials, parsers)."""
    for language in LANGUAGES:
        dialogue.greeting_messages(language)
        load_trials(language=language)
        for fact in load_catalog(language=language):
            dialogue.ask_message(fact.name, "self", {}, language)
    for fact in load_catalog():  # reading an answer is the same in every language
        for text in WARM_UP_TEXTS:
            dialogue.read_value(fact, text, {})


def main() -> None:
    parser = argparse.ArgumentParser(description="the project's action server")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args()
    settings = load_settings()
    utils.configure_colored_logging(settings.log_level)
    utils.update_sanic_log_level()
    app = build_app(settings.action_server_secret, settings.action_max_body_bytes, args.actions)
    warm_up()
    logger.info("action server on http://%s:%d", settings.action_host, args.port)
    app.run(settings.action_host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
