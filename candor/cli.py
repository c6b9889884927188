"""The ``candor`` operator command: ``candor content-check content/``, ``candor purge`` …

A thin layer over Django's management commands: hyphens become underscores, and
``candor --help`` lists Candor's own commands with what each does. Every Django command
(``candor migrate``, ``candor createsuperuser`` …) also works through it.
"""

from __future__ import annotations

import os
import sys


def _overview() -> str:
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    lines = [
        "usage: candor COMMAND [options]   (candor COMMAND --help for its options)",
        "",
        "Candor's operator commands:",
    ]
    for name, app in sorted(get_commands().items()):
        if not str(app).startswith("candor."):
            continue
        command = load_command_class(app, name)
        summary = (command.help or "").strip().splitlines()[0] if command.help else ""
        lines.append(f"  {name.replace('_', '-'):<22} {summary}")
    lines += [
        "",
        "Django's own commands (migrate, check, createsuperuser, …) work too: candor migrate.",
        "Settings come from the environment: see docs/operations.md.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_overview())
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["candor", args[0].replace("-", "_"), *args[1:]])


if __name__ == "__main__":
    main()
