"""Starting the GUI, or explaining why it cannot start (no display)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from imgengine_gui.cli.common import Exit


def display_problem() -> str | None:
    if sys.platform.startswith("linux") and os.environ.get("QT_QPA_PLATFORM") is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return (
                "no display found, so the window cannot open. Use the command line instead "
                "(`imgengine analyze FOLDER`, `imgengine photos`, `imgengine duplicates`; see "
                "`imgengine --help`), or render off screen with QT_QPA_PLATFORM=offscreen "
                "(e.g. `imgengine gui --screenshot out.png`)."
            )
    return None


def launch(args: argparse.Namespace) -> int:
    problem = display_problem()
    if problem:
        print(f"imgengine: {problem}", file=sys.stderr)
        return Exit.NO_DISPLAY
    try:
        from imgengine_gui.ui.app import run_app
    except ImportError as exc:
        print(f"imgengine: the desktop app cannot start: {exc}", file=sys.stderr)
        return Exit.NO_DISPLAY
    exit_now(run_app(args))
    return Exit.OK  # not reached


def exit_now(code: int) -> None:
    """End the process as soon as the window has closed. Python's own teardown (torch's and
    Qt's modules) took over two seconds after an idle quit; by now everything that must last is
    saved and closed (the window waited for its writing tasks, the settings are synced)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
