"""The server logs hold no message text, phone number or account id from any channel."""

from __future__ import annotations

import random

from bot.identity import FACEBOOK, SMS, TELEGRAM, WECHAT
from tests.channels import test_facebook, test_telegram, test_twilio, test_wechat
from tests.channels.conftest import conversation_of, stored_events

SECRET_WORDS = "Zebulon Quartermaine has myxofibrosarcoma"


def test_no_patient_text_phone_number_or_account_id_in_the_logs(servers):
    phone = "+8613912345678"
    chat_id = random.randint(10**8, 10**9)
    psid = test_facebook.new_psid()
    openid = test_wechat.new_openid()

    test_twilio.post(servers, test_twilio.inbound(phone, test_twilio.OUR_SMS_NUMBER, "hello"))
    test_twilio.post(servers, test_twilio.inbound(phone, test_twilio.OUR_SMS_NUMBER, "1"))
    test_twilio.post(servers, test_twilio.inbound(phone, test_twilio.OUR_SMS_NUMBER,
                                                  SECRET_WORDS))
    test_telegram.post(servers, test_telegram.message_update(chat_id, SECRET_WORDS))
    test_facebook.post(servers, test_facebook.text_event(psid, SECRET_WORDS))
    test_wechat.post(servers, test_wechat.push(openid, Content=SECRET_WORDS))
    test_telegram.post(servers, test_telegram.message_update(chat_id, "no secret"), secret="x")
    for namespace, sender in ((SMS, phone), (TELEGRAM, str(chat_id)), (FACEBOOK, psid),
                              (WECHAT, openid)):
        assert stored_events(servers, conversation_of(namespace, sender))  # they did arrive

    log = servers.logs()
    for secret in ("Quartermaine", "myxofibrosarcoma", phone, phone[1:], str(chat_id), psid,
                   openid):
        assert secret not in log, secret
    assert "telegram webhook: request rejected (missing or wrong secret token)" in log
