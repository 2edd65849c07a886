"""deploy/nginx.conf.template renders for any set of messaging channels, and nginx accepts it."""

from __future__ import annotations

import subprocess

import yaml

from scripts.cluster import NginxPorts, messaging_webhooks, render_nginx, require


def test_the_enabled_webhooks_and_nothing_else_are_public(tmp_path):
    credentials = tmp_path / "credentials.effective.yml"
    credentials.write_text(yaml.safe_dump({
        "rasa_extensions.channels.rest.TokenRestInput": {"token": "${REST_CHANNEL_TOKEN}"},
        "rasa_extensions.channels.web.OriginCheckedSocketIOInput": {},
        "rasa_extensions.channels.telegram.VerifiedTelegramInput": {},
        "rasa_extensions.channels.wechat.WeChatInput": {},
    }))
    webhooks = messaging_webhooks(credentials)
    assert webhooks == ["telegram", "wechat"]
    config = render_nginx(tmp_path, NginxPorts(18001, 18002, 18003, 18004), [18005], [18006],
                          webhooks)
    text = config.read_text()
    assert "location = /webhooks/telegram/webhook" in text
    assert "location = /webhooks/wechat/webhook" in text
    assert "/webhooks/rest" not in text and "twilio" not in text
    nginx = require("nginx", "/usr/sbin/nginx")
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(config),
                              "-e", str(tmp_path / "error.log")],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
