"""Status bar pieces: photo counts, the model runtime in use, and run progress with speed and ETA."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from imgengine_gui.engine.progress import ProgressEvent, RunSummary
from imgengine_gui.ui.formatting import duration


def progress_text(event: ProgressEvent) -> str:
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
    verb = "Stopped after" if summary.cancelled else "Analyzed"
    text = f"{verb} {summary.analyzed:,} photos in {duration(summary.elapsed_s)}"
    if summary.photos_per_s:
        text += f" ({summary.photos_per_s:.1f}/s)"
    extra = []
    if summary.new:
        extra.append(f"{summary.new} new")
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

    def show_event(self, event: ProgressEvent) -> None:
        self.label.setText(progress_text(event))
        if event.stage == "analyze" and event.total:
            self.bar.setRange(0, event.total)
            self.bar.setValue(event.done)
        else:
            self.bar.setRange(0, 0)  # busy indicator
        self.bar.show()

    def show_done(self, text: str) -> None:
        self.label.setText(text)
        self.bar.hide()


def runtime_text(report: dict) -> str:
    """One line from ``describe_runtime``'s dict."""
    return (
        f"Models: {report['tier']} · {report['backend']} · {report['precision']} · {report['device']}"
    )


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
    }
