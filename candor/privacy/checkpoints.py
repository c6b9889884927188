"""Signed checkpoints of the audit chain's head, kept outside the database.

The hash chain shows any edit, deletion, insertion or reordering *inside* the log, but not a
log cut back to an earlier, consistent state (rollback, truncated tail). A checkpoint fixes
the head at a moment — sequence, head hash, time — signed with an Ed25519 key that is not in
the database, in a file that is never overwritten. ``verify_all`` then also checks that the
log still contains every checkpointed head, unchanged.

Checkpoints chain too: each names the digest of the one before it, so a checkpoint file
removed from the middle is seen; and each checkpoint is itself recorded in the log
(``audit.checkpoint``), so a file removed from the end is seen as long as the log entry
saying it was written is there (and that entry is protected by the next checkpoint).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from candor.privacy import conf
from candor.privacy.audit import Verification, iter_log, record_event, verify_entries
from candor.privacy.models import AuditEntry, AuditHead

FORMAT = "candor-audit-checkpoint/1"
NAME_RE = re.compile(r"checkpoint-(\d{12})-(\d{8}T\d{12})\.json")
ACTION = "audit.checkpoint"


class CheckpointError(Exception):
    pass


# --- the signing key ------------------------------------------------------------------------


def create_key(path: Path | None = None) -> Path:
    """Write a new private key (mode 0600); refuse to replace an existing one."""
    path = path or conf.audit_key_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CheckpointError(f"{path} already exists; a signing key is never replaced") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return path


def load_key() -> Ed25519PrivateKey:
    path = conf.audit_key_file()
    if not path.exists():
        if not conf.is_local():
            raise ImproperlyConfigured(
                f"The audit checkpoint key {path} does not exist. Create it once with "
                "'candor audit create-key' (or set CANDOR_AUDIT_KEY_FILE) and back it up."
            )
        with contextlib.suppress(CheckpointError):  # another process made it first: use it
            create_key(path)
    if path.stat().st_mode & 0o077 and not conf.is_local():
        raise ImproperlyConfigured(f"{path} must be readable by its owner only (chmod 600).")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key.")
    return key


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


# --- writing ------------------------------------------------------------------------------


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    payload: dict[str, Any]
    signature: bytes

    @property
    def seq(self) -> int:
        return int(self.payload["seq"])

    @property
    def head_hash(self) -> str:
        return str(self.payload["head_hash"])

    @property
    def digest(self) -> str:
        return hashlib.sha256(_canonical(self.payload) + self.signature).hexdigest()


def write_checkpoint(directory: Path | None = None) -> Checkpoint:
    """Sign the current head and write it as a new file; then record that in the log."""
    directory = directory or conf.checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    key = load_key()
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        raise CheckpointError("The audit log is empty: there is nothing to checkpoint yet.")
    # The head row could have been edited without the entries: checkpoint what the log says.
    last = AuditEntry.objects.filter(seq=head.seq).first()
    if last is None or last.hash != head.hash:
        raise CheckpointError(
            "The chain head does not match the log's last entry; run 'candor audit verify'."
        )
    previous = load_checkpoints(directory)
    now = timezone.now()
    payload = {
        "format": FORMAT,
        "seq": int(last.seq),
        "head_hash": last.hash,
        "at": now.isoformat(timespec="seconds"),
        "key_id": key_id(key.public_key()),
        "previous": previous[-1].digest if previous else None,
    }
    signature = key.sign(_canonical(payload))
    name = f"checkpoint-{last.seq:012d}-{now:%Y%m%dT%H%M%S%f}.json"
    path = directory / name
    body = {**payload, "signature": base64.b64encode(signature).decode()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "w") as fh:
        json.dump(body, fh, indent=1, sort_keys=True)
        fh.write("\n")
    checkpoint = Checkpoint(path, payload, signature)
    # After the file: an entry that names a file that was never written would be a false alarm.
    with transaction.atomic():
        record_event(
            actor=None,
            action=ACTION,
            object_ref=f"seq={last.seq};head={last.hash[:16]};file={name}",
        )
    return checkpoint


# --- reading and verifying --------------------------------------------------------------------


@dataclass
class CheckpointProblem:
    file: str
    problem: str


def _parse(path: Path) -> Checkpoint:
    try:
        body = json.loads(path.read_text())
        signature = base64.b64decode(body.pop("signature"), validate=True)
        if body.get("format") != FORMAT:
            raise ValueError(f"unknown format {body.get('format')!r}")
        int(body["seq"])
        str(body["head_hash"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path.name} is not a readable checkpoint ({exc})") from None
    return Checkpoint(path, body, signature)


def load_checkpoints(directory: Path | None = None) -> list[Checkpoint]:
    """Every well-formed checkpoint in the directory, oldest first (by sequence, then name)."""
    found, _ = _load(directory or conf.checkpoint_dir())
    return found


def _load(directory: Path) -> tuple[list[Checkpoint], list[CheckpointProblem]]:
    found, problems = [], []
    if not directory.is_dir():
        return [], []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or not path.name.endswith(".json"):
            continue
        try:
            found.append(_parse(path))
        except CheckpointError as exc:
            problems.append(CheckpointProblem(path.name, str(exc)))
    found.sort(key=lambda c: (c.seq, c.path.name))
    return found, problems


@dataclass
class FullVerification:
    chain: Verification
    checkpoints: int = 0
    problems: list[CheckpointProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    since_seq: int = 0  # > 0: only entries after this signed checkpoint were re-hashed

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    def lines(self) -> list[str]:
        c = self.chain
        out = [
            f"chain: {'intact' if c.ok else 'BROKEN'} — {c.entries} entries, head {c.head_seq}"
            + (f" ({c.head_hash[:16]}…)" if c.head_seq else "")
        ]
        if not c.ok:
            out.append(f"first broken entry: {c.first_broken_seq}: {c.problem}")
        out.append(f"checkpoints: {self.checkpoints} checked")
        out += [f"checkpoint {p.file}: {p.problem}" for p in self.problems]
        out += [f"warning: {w}" for w in self.warnings]
        return out


def verify_against(
    entries: Iterable[AuditEntry],
    checkpoints: list[Checkpoint],
    public: Ed25519PublicKey,
    problems: list[CheckpointProblem] | None = None,
) -> FullVerification:
    """Verify the chain, then that it extends every checkpoint (no rollback, no truncation).

    ``entries`` is read once; only the hashes at checkpointed sequences and the log's own
    checkpoint records are kept, so a long log needs no more memory than a short one.
    """
    wanted = {c.seq for c in checkpoints}
    hashes: dict[int, str] = {}
    recorded: list[tuple[int, str]] = []  # (entry seq, file name) of audit.checkpoint entries

    def watch(stream: Iterable[AuditEntry]) -> Iterable[AuditEntry]:
        for e in stream:
            if e.seq in wanted:
                hashes[e.seq] = e.hash
            if e.action == ACTION:
                ref = dict(p.split("=", 1) for p in e.object_ref.split(";") if "=" in p)
                recorded.append((e.seq, ref.get("file", "")))
            yield e

    chain = verify_entries(watch(entries))
    result = FullVerification(chain, len(checkpoints), list(problems or []))
    expected_id = key_id(public)
    previous: Checkpoint | None = None
    for cp in checkpoints:
        name = cp.path.name
        try:
            public.verify(cp.signature, _canonical(cp.payload))
        except InvalidSignature:
            why = "signed by another key" if cp.payload.get("key_id") != expected_id else "altered"
            result.problems.append(CheckpointProblem(name, f"signature invalid ({why}): forged"))
            continue
        if cp.payload.get("previous") != (previous.digest if previous else None):
            result.problems.append(
                CheckpointProblem(name, "the checkpoint before it is missing or was replaced")
            )
        if cp.seq > chain.head_seq and chain.ok:
            result.problems.append(
                CheckpointProblem(
                    name,
                    f"the log ends at entry {chain.head_seq} but this checkpoint saw entry "
                    f"{cp.seq}: entries {chain.head_seq + 1}–{cp.seq} were removed "
                    "(rollback or truncation)",
                )
            )
        elif cp.seq in hashes and hashes[cp.seq] != cp.head_hash:
            result.problems.append(
                CheckpointProblem(
                    name, f"entry {cp.seq} differs from the checkpoint: history was rewritten"
                )
            )
        previous = cp
    names = {cp.path.name for cp in checkpoints} | {p.file for p in result.problems}
    for seq, name in recorded:
        if name and name not in names:
            result.problems.append(
                CheckpointProblem(name, f"recorded in the log (entry {seq}) but missing")
            )
    if not checkpoints and not recorded:
        result.warnings.append(
            "no checkpoint yet: a truncated tail cannot be detected; "
            "schedule 'candor audit checkpoint'"
        )
    return result


def verify_all(directory: Path | None = None) -> FullVerification:
    found, problems = _load(directory or conf.checkpoint_dir())
    try:
        public = load_key().public_key()
    except ImproperlyConfigured as exc:
        # Without the key no checkpoint can be trusted: check the chain, and say why not more.
        chain = verify_entries(iter_log())
        return FullVerification(chain, 0, [*problems, CheckpointProblem("(key)", str(exc))])
    return verify_against(iter_log(), found, public, problems)


def verify_recent(directory: Path | None = None) -> FullVerification:
    """What a page can afford on every load: the chain after the newest validly signed
    checkpoint, and that the log still holds that checkpoint's head unchanged.

    Entries before it are vouched for by the signature as of when it was written; a tamper
    with them afterwards is found by the full ``candor audit verify`` (schedule it) — the page
    says which of the two it shows.
    """
    found, problems = _load(directory or conf.checkpoint_dir())
    try:
        public = load_key().public_key()
    except ImproperlyConfigured:
        return verify_all(directory)
    trusted = None
    for cp in reversed(found):
        try:
            public.verify(cp.signature, _canonical(cp.payload))
        except InvalidSignature:
            continue
        trusted = cp
        break
    if trusted is None or problems:
        return verify_all(directory)
    head = AuditEntry.objects.filter(seq=trusted.seq).first()
    if head is None or head.hash != trusted.head_hash:
        return verify_all(directory)  # rolled back or rewritten: let the full check name it
    rest = AuditEntry.objects.filter(seq__gt=trusted.seq).order_by("seq", "pk").iterator()
    chain = verify_entries(rest, start_seq=trusted.seq + 1, prev_hash=trusted.head_hash)
    return FullVerification(chain, 1, since_seq=trusted.seq)
