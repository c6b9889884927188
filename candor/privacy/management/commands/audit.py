"""``candor audit …``: verify the audit log, write signed checkpoints, manage the signing key."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.privacy import conf
from candor.privacy.checkpoints import (
    CheckpointError,
    create_key,
    key_id,
    load_key,
    verify_all,
    write_checkpoint,
)


class Command(BaseCommand):
    help = (
        "Verify the tamper-evident audit log and write signed checkpoints of its head.\n"
        "verify: recompute the hash chain, name the first broken entry, and check the log still "
        "extends every checkpoint (exit 1 otherwise). checkpoint: sign the current head into "
        "CANDOR_AUDIT_CHECKPOINT_DIR (schedule it, e.g. hourly). create-key: make the "
        "signing key (production needs it once). public-key: print the key that verifies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="SUBCOMMAND")
        verify = sub.add_parser("verify", help="check the chain and every checkpoint")
        verify.add_argument("--json", action="store_true", help="print the result as JSON")
        sub.add_parser("checkpoint", help="write a signed checkpoint of the current head")
        sub.add_parser("create-key", help="create the Ed25519 signing key (refuses to replace one)")
        sub.add_parser("public-key", help="print the public key and its id (for auditors)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except (CheckpointError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc

    def do_verify(self, options: dict[str, Any]) -> None:
        result = verify_all()
        if options["json"]:
            c = result.chain
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "entries": c.entries,
                        "head_seq": c.head_seq,
                        "head_hash": c.head_hash,
                        "first_broken_seq": c.first_broken_seq,
                        "problem": c.problem,
                        "checkpoints": result.checkpoints,
                        "checkpoint_problems": [vars(p) for p in result.problems],
                        "warnings": result.warnings,
                    },
                    indent=2,
                )
            )
        else:
            for line in result.lines():
                self.stdout.write(line)
            self.stdout.write("OK" if result.ok else "FAILED: the audit log was tampered with")
        if not result.ok:
            self.stdout.flush()
            sys.exit(1)

    def do_checkpoint(self, options: dict[str, Any]) -> None:
        cp = write_checkpoint()
        self.stdout.write(f"checkpoint of entry {cp.seq} ({cp.head_hash[:16]}…) → {cp.path}")

    def do_create_key(self, options: dict[str, Any]) -> None:
        path = create_key(conf.audit_key_file())
        self.stdout.write(f"created {path} (mode 600); back it up apart from the database")
        self.do_public_key(options)

    def do_public_key(self, options: dict[str, Any]) -> None:
        from cryptography.hazmat.primitives import serialization

        public = load_key().public_key()
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.stdout.write(f"key id {key_id(public)}")
        self.stdout.write(pem.decode().strip())
