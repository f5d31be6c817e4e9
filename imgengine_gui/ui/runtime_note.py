"""Under the Hardware settings: what the chosen device, backend and precision run as on this
computer, each substitution with its reason, and what a warm-up (compile, int8) costs here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from imgengine_gui.ui import ui_state
from imgengine_gui.ui.tasks import TaskRunner

WARMUPS = {
    "compile": ("torch.compile compiles the models during the first batch of every run",
                "it pays off only on large runs (thousands of photos); eager suits small ones"),
    "tensorrt": ("TensorRT builds an engine per model and batch size on the first run",
                 "later runs reuse the engines"),
    "int8": ("int8 calibrates on the first photos of every run and is kept only where it "
             "agrees with fp32", "it pays off only on large CPU runs"),
}


def resolve_choice(device: str, backend: str, precision: str) -> dict:
    """Runs on the models lane (the probes import torch)."""
    from imgengine_gui.ml.runtime import resolve_runtime

    runtime = resolve_runtime(device=device, backend=backend, precision=precision)
    return {"device": runtime.device, "backend": runtime.backend,
            "precision": runtime.precision, "notes": list(runtime.notes)}


def warmup_note(backend: str, precision: str) -> str:
    kind = backend if backend in ("compile", "tensorrt") else precision
    if kind not in WARMUPS:
        return ""
    what, payoff = WARMUPS[kind]
    seconds = ui_state.warmup_seconds(kind)
    cost = (f"the first batch took {seconds:.0f} s on this computer last time" if seconds
            else "not measured on this computer yet")
    return f"{what} ({cost}); {payoff}."


class RuntimeNote(QLabel):
    def __init__(self, tasks: TaskRunner, chosen: Callable[[], tuple[str, str, str]]) -> None:
        super().__init__("Checking what these choices run as here…")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self._tasks, self._chosen = tasks, chosen
        self.resolved: dict | None = None
        self.resolved_for: tuple[str, str, str] | None = None  # the choice shown (device, ...)

    def refresh(self, *_args) -> None:
        device, backend, precision = self._chosen()
        self._tasks.submit(
            "models", "settings:runtime", lambda: resolve_choice(device, backend, precision),
            lambda found: self._show((device, backend, precision), found), self.setText,
        )  # fmt: skip

    def _show(self, asked: tuple[str, str, str], found: dict) -> None:
        if asked != self._chosen():
            return  # an older choice's answer
        self.resolved, self.resolved_for = found, asked
        lines = [f"Runs here as: {found['backend']} · {found['precision']} · {found['device']}"]
        lines += [f"• {note}" for note in found["notes"]]
        extra = warmup_note(found["backend"], found["precision"])
        if extra:
            lines.append(extra)
        self.setText("\n".join(lines))
        dialog = self.window()  # a longer note grows the dialog rather than overlap the rows
        if dialog is not self and dialog.isVisible():
            dialog.layout().activate()
            wanted = dialog.sizeHint().height()
            if wanted > dialog.height():
                dialog.resize(dialog.width(), wanted)
