"""`imgengine ARGS` with a send2trash that pauses after each move (SLOW_TRASH_S seconds), so a
test can kill the process between a move and whatever comes after it."""

from __future__ import annotations

import os
import sys
import time

import send2trash

_move = send2trash.send2trash


def _slow_move(path) -> None:
    _move(path)
    time.sleep(float(os.environ.get("SLOW_TRASH_S", "0.5")))


send2trash.send2trash = _slow_move

if __name__ == "__main__":
    from imgengine_gui.cli.main import main

    sys.exit(main(sys.argv[1:]))
