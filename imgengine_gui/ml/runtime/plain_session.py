"""Plain CPU libraries (dlib, numpy classifiers): nothing to prepare, but they still say what served."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from imgengine_gui.ml.runtime.spec import Runtime, Served


class PlainSession:
    """Calls ``function``; ``served`` names the library, on the CPU, in its own precision."""

    def __init__(self, name: str, function: Callable[..., Any], served: Served) -> None:
        self.name = name
        self.function = function
        self.served = served

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def prepare_plain(
    function: Callable[..., Any],
    runtime: Runtime,
    *,
    name: str,
    library: str,
    precision: str = "fp32",
) -> PlainSession:
    """A session for a library that runs on the CPU whatever the settings ask; a note says so."""
    if runtime.device != "cpu":
        runtime.note(f"{name}: {library} runs on cpu")
    asked = "fp32" if runtime.precision == "int8" else runtime.precision
    if asked != precision:
        runtime.note(f"{name}: {library} runs {precision}")
    return PlainSession(name, function, Served("cpu", library, precision))
