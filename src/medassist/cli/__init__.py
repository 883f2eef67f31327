"""The ``medassist`` command line.

Subcommands live in their own modules and are imported only when used, so that
``medassist --version`` and ``medassist analyze`` never load heavy dependencies.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from medassist import __version__
from medassist.errors import EXIT_CODES, MedassistError

__all__ = ["main", "cli"]

_COMMANDS: dict[str, tuple[str, str]] = {
    "analyze": ("medassist.cli.analyze_llm", "analyze"),
    "doctor": ("medassist.cli.doctor", "doctor"),
    "demo": ("medassist.cli.analyze", "demo"),
    "score": ("medassist.cli.score", "score"),
    "edge": ("medassist.cli.edge", "edge"),
    "serve": ("medassist.cli.serve", "serve"),
    "audit": ("medassist.cli.audit", "audit"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module_name, attr = _COMMANDS[cmd_name]
        return getattr(importlib.import_module(module_name), attr)


_EPILOG = "Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items())


@click.group(cls=_LazyGroup, epilog=_EPILOG)
@click.version_option(__version__, prog_name="medassist")
def cli() -> None:
    """medassist: offline clinical assistant (assistive only; never a diagnosis)."""


def _configure_logging() -> None:
    import logging

    from medassist.config import get_settings
    from medassist.logs import RedactingFilter

    level = getattr(logging, get_settings().log_level.upper(), logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("medassist")
    root.handlers[:] = [handler]
    root.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    """Entry point: user-facing errors become a message and an exit code, never a traceback."""
    rv: object = 0
    _configure_logging()
    try:
        rv = cli.main(args=argv, prog_name="medassist", standalone_mode=False)
    except MedassistError as exc:
        click.echo(f"error: {exc.message}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except (BrokenPipeError, KeyboardInterrupt):
        return 130
    except Exception as exc:  # a bug: say so without a traceback (and without input text)
        click.echo(
            f"internal error ({type(exc).__name__}); please report it. "
            "Set MEDASSIST_DEBUG=1 to see the traceback.",
            err=True,
        )
        if os.environ.get("MEDASSIST_DEBUG"):
            raise
        return 1
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
