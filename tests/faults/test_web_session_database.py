"""The website's session checks while the database is down (PostgreSQL stopped): a message is
refused as 'unavailable' (the page keeps it and sends it again), never run with an unchecked
session and never answered with a new, empty conversation; once the database is back the same
session resumes and the message goes through."""

from __future__ import annotations

import asyncio

from devkit.servers import running_servers
from devkit.web_client import tab, until
from tests.faults.conftest import stored_user_texts
from tests.faults.test_restart_and_database import database_stopped


def test_database_down_the_website_session_waits_and_loses_nothing(postgres_server, tmp_path):
    url = postgres_server.create_database()
    try:
        with running_servers(tmp_path / "servers",
                             {"TRACKER_DB_URL": url, "DATABASE_URL": url}) as servers:
            asyncio.run(_scenario(servers, postgres_server, url))
    finally:
        postgres_server.drop_database(url)


async def _scenario(servers, postgres_server, url: str) -> None:
    async with tab(servers) as patient:
        await patient.request()
        for text in ("Hi", "yes I agree"):
            assert (await patient.say(text))[0] == {"accepted": True}
        session, proof = patient.session_id, patient.proof
        conversation = f"web:{session}"
        said = stored_user_texts(url, conversation)

        with database_stopped(postgres_server):
            ack, replies = await patient.say("myself")
            assert ack == {"refused": "unavailable"} and replies == []
            confirms = len(patient.confirms)
            await patient.client.emit("session_request", {"session_id": session, "proof": proof})
            await until(lambda: patient.unavailable)
            assert len(patient.confirms) == confirms  # no new session in its place

        assert stored_user_texts(url, conversation) == said
        confirm = await patient.request({"session_id": session, "proof": proof})
        assert confirm["session_id"] == session and confirm["resumed"] is True
        ack, replies = await patient.say("myself")
        assert ack == {"accepted": True} and replies
        assert stored_user_texts(url, conversation) == [*said, "myself"]
    assert "web session: revocation check failed (OperationalError)" in servers.logs()
