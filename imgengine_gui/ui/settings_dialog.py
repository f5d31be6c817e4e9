"""The settings dialog, generated from ``Settings.field_specs()``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from imgengine_gui.settings import Settings, settings_path
from imgengine_gui.ui import hardware
from imgengine_gui.ui.detail import plain_label
from imgengine_gui.ui.formatting import file_size, tooltip
from imgengine_gui.ui.runtime_note import RuntimeNote
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import ask

SECTIONS = {
    "Hardware": ("device", "backend", "precision", "batch_size", "workers"),
    "Models": ("scenes_model", "objects_model", "segmentation_model"),
    "Duplicates": ("duplicate_sensitivity",),
    "People": ("recognize_people",),
    "Storage": ("cache_dir",),
}
CHOICE_TIPS = {
    ("precision", "int8"): (
        "INT8 first calibrates on a sample of your photos, then compares its answers with fp32 on "
        "that sample; it is used only when they agree, otherwise fp32 serves (the run notes say so)."
    ),
    ("precision", "fp16"): "Half precision: fast on GPUs; on CPUs it falls back to bf16 or fp32.",
    ("precision", "bf16"): "bfloat16: fast on recent GPUs and on CPUs with native bf16 support.",
    ("backend", "compile"): "torch.compile: slower first batch, faster afterwards.",
    ("device", "auto"): "CUDA when present, else the CPU.",
}


class FieldEditor:
    def __init__(self, spec: dict[str, Any], widget: QWidget, get, put) -> None:
        self.spec, self.widget, self.get, self.put = spec, widget, get, put


def make_editor(spec: dict[str, Any], parent: QWidget) -> FieldEditor:
    kind = spec["type"] if isinstance(spec["type"], str) else spec["type"].__name__
    tip = spec.get("help", "")
    if kind == "bool":
        check = QCheckBox(parent)
        check.setToolTip(tip)
        return FieldEditor(spec, check, check.isChecked, lambda v: check.setChecked(bool(v)))
    if spec.get("choices"):
        combo = QComboBox(parent)
        for choice in spec["choices"]:
            combo.addItem(str(choice), choice)
            text = CHOICE_TIPS.get((spec["name"], choice))
            if text:
                combo.setItemData(combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        combo.setToolTip(tip)
        return FieldEditor(spec, combo, combo.currentData,
                           lambda v: combo.setCurrentIndex(max(0, combo.findData(v))))
    if kind == "int":
        spin = QSpinBox(parent)
        spin.setRange(spec.get("minimum", -(2**31)), spec.get("maximum", 2**31 - 1))
        if spec["name"] == "workers":
            spin.setSpecialValueText("Automatic")
        if spec.get("unit"):
            spin.setSuffix(f" {spec['unit']}")
        spin.setToolTip(tip)
        return FieldEditor(spec, spin, spin.value, spin.setValue)
    line = QLineEdit(parent)
    line.setToolTip(tip)
    if spec["name"] == "cache_dir":
        line.setPlaceholderText("Default per-user cache folder")
    return FieldEditor(spec, line, lambda: line.text().strip(), lambda v: line.setText(str(v)))


class SettingsDialog(QDialog):
    saved = Signal(object)  # Settings
    forget_faces = Signal()  # confirmed: delete every face descriptor and person

    def __init__(self, settings: Settings, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(620)
        self.settings = settings
        self.tasks = tasks
        self.confirm: Callable[[str, str], bool] = self._ask
        self.editors: dict[str, FieldEditor] = {}
        self.device_note = plain_label("Checking for CUDA…")
        self.runtime_note = RuntimeNote(tasks, lambda: tuple(  # type: ignore[arg-type]
            self.editors[name].get() for name in ("device", "backend", "precision")))
        self.cache_note = plain_label("Measuring…")
        self.error = plain_label()
        self.error.setStyleSheet("color: #dc2626;")
        self.error.setWordWrap(True)
        self.clear_button = QPushButton("Clear cache…")
        self.clear_button.clicked.connect(self._clear_cache)
        self.forget_button = QPushButton("Forget faces…")
        self.forget_button.setToolTip("Delete every face descriptor and person, names included")
        self.forget_button.clicked.connect(self._forget_faces)

        outer = QVBoxLayout(self)
        sections = QWidget()
        layout = QVBoxLayout(sections)
        layout.setContentsMargins(0, 0, 0, 0)
        specs = {spec["name"]: spec for spec in Settings.field_specs()}
        placed = set()
        for title, names in SECTIONS.items():
            group = self._section(title, [specs[n] for n in names if n in specs])
            placed.update(names)
            layout.addWidget(group)
        rest = [spec for name, spec in specs.items() if name not in placed]
        if rest:
            layout.addWidget(self._section("Other", rest))
        scroll = QScrollArea()  # the sections scroll on a small screen; the buttons stay
        scroll.setObjectName("settingsSections")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(sections)
        scroll.setMinimumWidth(sections.sizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width())
        outer.addWidget(scroll, 1)
        layout = outer
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            lambda: self.load(Settings())
        )
        layout.addWidget(buttons)
        labels = [label for label in self.findChildren(QLabel) if label.property("fieldLabel")]
        widest = max((label.sizeHint().width() for label in labels), default=0)
        for label in labels:  # one label column across the sections
            label.setMinimumWidth(widest)
        self.load(settings)
        self._fit_to_screen(sections)
        for name in ("device", "backend", "precision"):
            self.editors[name].widget.currentIndexChanged.connect(self.runtime_note.refresh)
        self.runtime_note.refresh()
        self._apply_hardware(hardware.detected())
        if hardware.detected() is None:  # detecting imports torch: the models lane
            tasks.submit("models", "settings:hardware", hardware.detect_hardware,
                         self._apply_hardware, self._show_problem)
        folder = self.settings.resolved_cache_dir()
        tasks.submit("library", "settings:cache", lambda: hardware.cache_usage(folder),
                     self._show_cache, self._show_problem)

    # -- layout ---------------------------------------------------------------------------------
    def _fit_to_screen(self, sections: QWidget) -> None:
        """Tall enough to show every section, but never taller than the screen."""
        height = sections.sizeHint().height() + 120  # the buttons and margins
        screen = self.screen()
        if screen is not None:
            height = min(height, int(screen.availableGeometry().height() * 0.9))
        self.resize(self.minimumSizeHint().width(), height)

    def _section(self, title: str, specs: list[dict[str, Any]]) -> QGroupBox:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in specs:
            editor = make_editor(spec, group)
            self.editors[spec["name"]] = editor
            label = QLabel(spec["label"])
            label.setProperty("fieldLabel", True)
            label.setToolTip(spec.get("help", ""))
            field: QWidget = editor.widget
            if spec["name"] == "cache_dir":
                field = self._with_browse(editor.widget)
            form.addRow(label, field)
            if spec["name"] == "device":
                form.addRow("", self.device_note)
            if spec["name"] == "precision":  # substitutions and warm-up costs, with reasons
                form.addRow("", self.runtime_note)
            if spec["name"] == "recognize_people":
                form.addRow("", self.forget_button)
            if spec["name"] == "cache_dir":
                row = QHBoxLayout()
                row.addWidget(self.cache_note, 1)
                row.addWidget(self.clear_button)
                form.addRow("", row)
        return group

    def _with_browse(self, line: QLineEdit) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(line, 1)
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._browse(line))
        row.addWidget(browse)
        return box

    def _browse(self, line: QLineEdit) -> None:
        start = line.text() or str(self.settings.resolved_cache_dir())
        chosen = QFileDialog.getExistingDirectory(self, "Cache folder", start)
        if chosen:
            line.setText(chosen)

    # -- values ---------------------------------------------------------------------------------
    def load(self, settings: Settings) -> None:
        for name, value in asdict(settings).items():
            if name in self.editors:
                self.editors[name].put(value)

    def values(self) -> dict[str, Any]:
        return {name: editor.get() for name, editor in self.editors.items()}

    def accept(self) -> None:
        try:
            chosen = Settings(**{**asdict(self.settings), **self.values()}).validated()
        except (TypeError, ValueError) as exc:
            self.error.setText(str(exc))
            return
        chosen.save(settings_path())
        self.settings = chosen
        self.saved.emit(chosen)
        super().accept()

    # -- hardware and cache ---------------------------------------------------------------------
    def _apply_hardware(self, found: hardware.Hardware | None) -> None:
        backend = self.editors["backend"].widget
        device = self.editors["device"].widget
        model = backend.model()
        assert isinstance(model, QStandardItemModel)
        trt = model.item(backend.findData("tensorrt"))
        if found is None:
            problem = None if hardware.tensorrt_installed() else (
                "needs the torch-tensorrt package (pip install imgengine-gui[tensorrt])"
            )
        else:
            problem = found.tensorrt_problem()
            self.device_note.setText(found.device_text)
            cuda_item = device.model().item(device.findData("cuda"))
            cuda_item.setEnabled(found.cuda)
            cuda_item.setToolTip("" if found.cuda else "CUDA not detected")
        trt.setEnabled(problem is None)
        trt.setText("tensorrt" if problem is None else "tensorrt (unavailable)")
        trt.setToolTip(tooltip(f"TensorRT {problem}") if problem else "Builds TensorRT engines once, then reuses them.")

    def _show_cache(self, usage: hardware.CacheUsage) -> None:
        self.cache_note.setText(
            f"{usage.folder}\nUsing {file_size(usage.bytes)} in {usage.files} files"
        )
        self.cache_note.setToolTip(tooltip(str(usage.folder)))
        self.clear_button.setEnabled(usage.files > 0)

    def _show_problem(self, message: str) -> None:
        self.error.setText(message)

    def _clear_cache(self) -> None:
        folder = self.settings.resolved_cache_dir()
        if not self.confirm(
            "Clear cache",
            f"Delete the thumbnails and previews in\n{folder}?\n\n"
            "Your photos and the catalog are not touched.",
        ):
            return
        self.clear_button.setEnabled(False)
        self.cache_note.setText("Clearing…")
        self.tasks.submit("library", "settings:clear", lambda: hardware.clear_cache(Path(folder)),
                          self._show_cache, self._show_problem)

    def _forget_faces(self) -> None:
        if self.confirm(
            "Forget faces",
            "Delete every face descriptor and every person, names included?\n\n"
            "This cannot be undone. Face boxes stay; the next analysis describes the faces "
            "again while “Recognise people” is on.",
        ):
            self.forget_faces.emit()

    def _ask(self, title: str, text: str) -> bool:
        return ask(self, title, text, default_no=True)  # clearing and forgetting are final
