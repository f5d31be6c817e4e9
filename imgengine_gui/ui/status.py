"""Status bar pieces: photo counts, the model runtime in use, and run progress with speed and ETA."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolTip, QWidget

from imgengine_gui.engine.progress import ProgressEvent, RunSummary
from imgengine_gui.ui.formatting import counted, duration

ETA_WINDOW_S = 20.0  # the rate behind the ETA: photos done over the last this many seconds
ETA_SETTLE_S = 5.0  # no ETA before the run has analyzed this long (first batches warm up)
ETA_MIN_FRACTION = 0.05  # ... and done this share of the photos


class EtaEstimate:
    """An ETA from the recent rate, hidden until it can be trusted (the first batches pay the
    models' warm-up, which made the first ETA of a 7 s run read 1:05). ``clock`` is injectable."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._points: deque[tuple[float, int]] = deque()
        self._started: float | None = None

    def reset(self) -> None:
        self._points.clear()
        self._started = None

    def update(self, done: int, total: int) -> float | None:
        now = self._clock()
        if self._started is None:
            if done == 0:  # still warming up: nothing to measure a rate from
                return None
            self._started = now
        if now - self._started < ETA_SETTLE_S:
            self._points.clear()  # the rate is measured from the end of the warm-up on
        self._points.append((now, done))
        while len(self._points) > 2 and now - self._points[1][0] >= ETA_WINDOW_S:
            self._points.popleft()
        first_time, first_done = self._points[0]
        if now - self._started < ETA_SETTLE_S or done < ETA_MIN_FRACTION * total:
            return None
        if now <= first_time or done <= first_done:
            return None
        rate = (done - first_done) / (now - first_time)
        return max(0, total - done) / rate


def warmup_reason(settings, phases: tuple[str, ...]) -> str | None:
    """Why the models' first batch will be slow, for runs where it is (None: it will not)."""
    if "ml" not in phases:
        return None
    if settings.backend == "tensorrt":
        return "building TensorRT engines, first run only"
    if settings.backend == "compile":
        return "compiling, first run only"
    if settings.precision == "int8":
        return "calibrating int8 on your first photos"
    return None


def warmup_kind(settings) -> str:
    """What a measured warm-up is remembered as: the backend, or int8."""
    return settings.backend if settings.backend != "eager" else settings.precision


def progress_text(event: ProgressEvent, warmup: str | None = None) -> str:
    if event.stage == "models":
        detail = warmup or f"{event.done} of {event.total} loaded"
        return f"Preparing models ({detail})…"
    if event.stage == "analyze" and warmup and event.done == 0:
        return f"Preparing models ({warmup})… · 0/{event.total:,} photos"
    if event.stage == "scan":
        return event.message or "Scanning…"
    if event.stage == "duplicates":
        return "Finding duplicates…"
    if event.stage == "analyze":
        text = f"Analyzing {event.done:,}/{event.total:,}"
        if event.photos_per_s > 0:
            text += f" · {event.photos_per_s:.1f} photos/s"
        if event.eta_s is not None and event.done < event.total:
            text += f" · {duration(event.eta_s)} left"
        return text
    return event.message or event.stage


def summary_text(summary: RunSummary) -> str:
    if summary.cancelled:
        text = (f"Stopped after {summary.analyzed:,} of {counted(summary.planned, 'photo')} in "
                f"{duration(summary.elapsed_s)}")
        left = summary.planned - summary.analyzed
        if left > 0:
            text += f" · {left:,} not analyzed yet (Analyze again to finish)"
    else:
        text = f"Analyzed {counted(summary.analyzed, 'photo')} in {duration(summary.elapsed_s)}"
        if summary.photos_per_s:
            text += f" ({summary.photos_per_s:.1f}/s)"
    extra = []
    if summary.new and not summary.cancelled:
        extra.append(f"{counted(summary.new, 'new file')} found")
    if summary.failed:
        extra.append(f"{summary.failed} with problems")
    if summary.clusters:
        extra.append(f"{summary.clusters} duplicate groups")
    return text + (" · " + ", ".join(extra) if extra else "")


class RunProgress(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # messages carry file names
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(200)
        self.bar.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.bar.hide()
        self.eta = EtaEstimate()
        self.warmup: str | None = None  # why the first batch is slow this run (warmup_reason)
        self.warmup_s: float | None = None  # how long it took, measured (None: not yet)
        self._warmup_from: float | None = None

    def start_run(self, warmup: str | None) -> None:
        self.warmup, self.warmup_s, self._warmup_from = warmup, None, None

    def show_event(self, event: ProgressEvent) -> None:
        if event.stage == "analyze":
            event.eta_s = self.eta.update(event.done, event.total)
            self._measure_warmup(event)
        else:
            self.eta.reset()
        warming = self.warmup if self.warmup_s is None else None
        self.label.setText(progress_text(event, warming))
        if event.stage == "analyze" and warming and event.done == 0:
            self.bar.setRange(0, 0)  # its own (busy) progress: the models are not timed yet
        elif event.stage in ("analyze", "models") and event.total:
            self.bar.setRange(0, event.total)
            self.bar.setValue(event.done)
        else:
            self.bar.setRange(0, 0)  # busy indicator
        self.bar.show()

    def _measure_warmup(self, event: ProgressEvent) -> None:
        if self.warmup is None or self.warmup_s is not None:
            return
        now = time.monotonic()
        if self._warmup_from is None:
            self._warmup_from = now
        elif event.done > 0:
            self.warmup_s = now - self._warmup_from

    def show_done(self, text: str) -> None:
        self.eta.reset()
        self.label.setText(text)
        self.bar.hide()

    def show_stopping(self) -> None:
        QToolTip.hideText()  # the Cancel button's tooltip would stay painted over this text
        self.label.setText("Stopping after the current batch…")


def runtime_text(report: dict) -> str:
    """One line from ``describe_runtime``'s dict."""
    text = f"Models: {report['tier']} · {report['backend']} · {report['precision']} · {report['device']}"
    if report.get("notes"):  # a setting was substituted: the reason is in Settings › Hardware
        text += " (adjusted, see Settings)"
    return text


def describe_runtime(settings) -> dict:
    """Runs on a worker (imports torch): which tier and runtime the next run would use."""
    from imgengine_gui.ml.registry import model_report
    from imgengine_gui.ml.runtime import resolve_runtime

    runtime = resolve_runtime(settings)
    report = model_report(settings)
    tiers = {row["tier"] for row in report if row["task"] != "segmentation"}
    tier = "full tier" if tiers == {"full"} else "offline tier" if tiers == {"offline"} else "mixed tiers"
    serving = ", ".join(f"{row['task']}: {row['serving']}" for row in report)
    return {
        "tier": tier,
        "device": runtime.device,
        "backend": runtime.backend,
        "precision": runtime.precision,
        "detail": serving + ("\n" + "\n".join(runtime.notes) if runtime.notes else ""),
        "notes": list(runtime.notes),
    }
