"""Without messaging credentials the servers start with those channels off."""

from __future__ import annotations

import pytest
import requests
import yaml

from devkit.servers import rest_headers, running_servers
from tests.channels.conftest import MESSAGING_SECRETS


@pytest.fixture(scope="module")
def servers_without_messaging(tmp_path_factory):
    unset = dict.fromkeys(MESSAGING_SECRETS, "")  # empty counts as unset, and beats .env
    with running_servers(tmp_path_factory.mktemp("no-messaging"), extra_env=unset) as running:
        yield running


def test_servers_start_with_messaging_channels_off(servers_without_messaging):
    servers = servers_without_messaging
    effective = yaml.safe_load((servers.data_dir / "credentials.effective.yml").read_text())
    assert set(effective) == {"rasa_extensions.channels.rest.TokenRestInput",
                              "rasa_extensions.channels.web.OriginCheckedSocketIOInput"}
    for channel in ("telegram", "facebook", "twilio", "wechat"):
        reply = requests.post(f"{servers.rasa_url}/webhooks/{channel}/webhook", timeout=10)
        assert reply.status_code == 404, channel
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook",
                          json={"sender": "off-test", "message": "hello"}, timeout=60,
                          headers=rest_headers())
    assert reply.ok and reply.json()
    log = servers.logs()
    assert "channel rasa_extensions.channels.wechat.WeChatInput is off: set WECHAT_TOKEN" in log
