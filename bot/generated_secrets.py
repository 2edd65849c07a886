"""Internal secrets for a development or single-machine `make run`, made once and kept.

Three secrets only matter between the project's own servers: the key that hashes platform ids
(CONVERSATION_ID_SECRET), the key that signs website session ids (WEB_SESSION_SECRET) and the
header Rasa sends to the action server (ACTION_SERVER_SECRET). Nobody types them, so when the
environment and `.env` have none, `make run` generates them into `$DATA_DIR/secrets.env`
(mode 0600) and reuses them on every start: a new hashing key would lose every messaging
patient's conversation. Several machines must share them: set them in the environment there
(README, "Security model"). The REST channel's token is never generated: REST stays off
until someone sets REST_CHANNEL_TOKEN.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.settings import GENERATED_SECRETS, INTERNAL_SECRETS


def ensure_internal_secrets(data_dir: Path) -> list[str]:
    """Generate every internal secret the environment lacks, append it to the data folder's
    secrets file and set it in this process's environment (the servers inherit it). Returns
    the names generated."""
    missing = [name for name in INTERNAL_SECRETS if not os.environ.get(name, "").strip()]
    if not missing:
        return []
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / GENERATED_SECRETS
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as file:
        for name in missing:
            value = secrets.token_urlsafe(32)
            file.write(f"{name}={value}\n")
            os.environ[name] = value
    return missing
