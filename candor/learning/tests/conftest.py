"""Fixtures of the mandatory-training operations tests: a real SMTP server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # The verification rate limit counts in Django's cache, which outlives a test.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What a real SMTP server on 127.0.0.1 received (aiosmtpd)."""

    port: int
    messages: list[Any] = field(default_factory=list)
    controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                import email
                import email.policy

                box.messages.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == address]

    def subjects(self) -> list[tuple[str, str]]:
        return sorted((m["To"], str(m["Subject"])) for m in self.messages)


@pytest.fixture
def smtp_settings(settings: Any) -> Any:
    """Django's real SMTP backend pointed at a loopback port (nothing listens there yet)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return settings


@pytest.fixture
def mailbox(smtp_settings: Any) -> Iterator[Mailbox]:
    box = Mailbox(port=smtp_settings.EMAIL_PORT)
    box.start()
    yield box
    box.stop()
