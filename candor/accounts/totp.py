"""TOTP mechanics: the shared secret sealed at rest, code matching, recovery codes, the QR code.

No database writes here (``second_factor.py`` does those); these are pure functions so the
rules (time window, sealing, code format) are easy to test on their own.

The secret is sealed with AES-256-GCM under a key derived by HKDF-SHA256 from Django's
``SECRET_KEY``, with the person's id as associated data: a sealed secret copied onto another
person's row does not open. ``SECRET_KEY_FALLBACKS`` are tried when opening, so rotating the
key does not lock anyone out; a secret opened with an old key is sealed again under the new
one at its next use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

STEP_SECONDS = 30  # RFC 6238 defaults, what every authenticator app expects
DIGITS = 6
WINDOW = 1  # steps accepted either side of now: phones and servers drift a little
ISSUER = "Candor"
SEAL_VERSION = b"\x01"
NONCE_BYTES = 12

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper. 16 characters of 31 ≈ 79 bits, so a fast hash
# (SHA-256) is safe to store: guessing from a stolen hash is out of reach.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16


class SealError(Exception):
    """A sealed secret did not open (wrong key, wrong person, or damaged)."""


def _key(secret_key: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"candor.accounts.totp",
        info=b"totp-secret-v1",
    ).derive(secret_key.encode("utf-8"))


def _aad(user_id: int) -> bytes:
    return f"candor.totp:user:{user_id}".encode("ascii")


def seal_secret(secret: str, user_id: int) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, secret.encode("ascii"), _aad(user_id))
    return SEAL_VERSION + nonce + sealed


def open_secret(sealed: bytes | memoryview, user_id: int) -> tuple[str, bool]:
    """(secret, sealed under an old key) — the second part says it should be sealed again."""
    blob = bytes(sealed)
    if not blob.startswith(SEAL_VERSION) or len(blob) < 1 + NONCE_BYTES + 16:
        raise SealError("not a sealed TOTP secret")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    for index, key in enumerate(keys):
        try:
            plain = AESGCM(_key(key)).decrypt(nonce, body, _aad(user_id))
        except InvalidTag:
            continue
        return plain.decode("ascii"), index > 0
    raise SealError("the TOTP secret does not open with the current or a fallback key")


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, RFC 4226's recommended length


def current_step(now: float) -> int:
    return int(now) // STEP_SECONDS


def normalise_code(raw: str) -> str:
    """What the person typed, without the spaces and dashes apps and paper put in."""
    return "".join(ch for ch in raw.strip().lower() if ch not in " -\u00a0")[:64]


def looks_like_totp(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (now ± WINDOW) whose code this is, or None."""
    if not looks_like_totp(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    here = current_step(now)
    found = None
    # Every candidate is compared (no early exit), so timing does not tell which step matched.
    for step in range(here - WINDOW, here + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def qr_data_uri(text: str) -> str:
    """The QR code as an SVG ``data:`` URI for an ``<img>`` (the CSP allows ``img-src data:``;
    an image needs no inline style or script)."""
    image: Any = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def grouped(secret: str) -> str:
    """The secret in groups of four, as people type it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@dataclass(frozen=True)
class RecoveryCodes:
    plain: list[str]  # shown once, never stored
    hashes: list[str]


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> RecoveryCodes:
    plain = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        plain.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return RecoveryCodes(plain, [hash_recovery_code(code) for code in plain])


def looks_like_recovery_code(code: str) -> bool:
    return len(code) == RECOVERY_LENGTH and all(ch in RECOVERY_ALPHABET for ch in code)


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()
