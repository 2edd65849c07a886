"""Typed patients (devkit/typed_patients.py) over the real servers, as `make bench` plays
them: over REST and over the website's socket.io channel, in English and in Chinese, each
screening ends in the verdicts the engine gives for the patient's truth."""

from __future__ import annotations

import asyncio
import random

import aiohttp
import pytest

from bot.dialogue import content
from devkit.chat_clients import CHANNELS, Conversation, Target, connect, play
from devkit.rest_patient import RestPatient
from devkit.simulate import random_patient
from devkit.typed_patients import typed_patient

PATIENTS = 4  # per channel and language


async def _screen_all(target: Target, channel: str, language: str) -> list[Conversation]:
    rng = random.Random(f"e2e-{channel}-{language}")
    async with aiohttp.ClientSession() as http:
        done = []
        for i in range(PATIENTS):
            truth = random_patient(rng)
            sender = f"typed-{channel}-{language}-{i}"
            script = RestPatient(target.url, sender, language=language,
                                 typist=typed_patient(truth, language, rng))
            conversation = Conversation(channel, sender, script, truth)
            await play(connect(conversation, target, http), conversation)
            done.append(conversation)
        return done


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("channel", CHANNELS)
def test_typed_patients_reach_the_engines_verdicts(servers, channel, language):
    target = Target(servers.rasa_url, servers.web_url)
    for conversation in asyncio.run(_screen_all(target, channel, language)):
        assert conversation.error is None, conversation.script.dump()
        assert conversation.verdicts_expected(), conversation.script.dump()
        assert conversation.script.result()["language"] == language


def test_a_typed_patient_types_consent_and_who_it_is_about(servers):
    truth = random_patient(random.Random(3))
    patient = RestPatient(servers.rasa_url, language="en",
                          typist=typed_patient(truth, "en", random.Random(3)))
    patient.start()
    sent = [said for said, _ in patient.transcript]
    assert patient.asked() not in (None, "consent", "audience")
    words = content()
    taps = {*words["consent_buttons"], *(o["label"] for o in words["audience_buttons"])}
    assert not taps & set(sent)
