"""Settings dialog: generated fields, persistence, hardware notes, cache clearing; window state."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt

from imgengine_gui.settings import Settings
from imgengine_gui.ui import hardware, ui_state


def test_settings_persist_across_a_restart(qtbot, make_window):
    window = make_window()
    dialog = window.open_settings()
    assert set(dialog.editors) == {spec["name"] for spec in Settings.field_specs()}
    assert dialog.editors["batch_size"].widget.maximum() == 512
    assert dialog.editors["batch_size"].widget.toolTip() == "Photos per model call."
    dialog.editors["precision"].put("bf16")
    dialog.editors["batch_size"].put(48)
    dialog.editors["scenes_model"].put("/models/clip")
    dialog.accept()
    assert Settings.load().precision == "bf16"
    assert window.settings.batch_size == 48
    window.close()

    again = make_window()
    assert again.settings.batch_size == 48
    values = again.open_settings().values()
    assert values["precision"] == "bf16" and values["scenes_model"] == "/models/clip"


def test_a_switch_is_a_check_box_and_the_dialog_fits_the_screen(make_window):
    window = make_window()
    dialog = window.open_settings()
    people = dialog.editors["recognize_people"].widget
    assert dialog.editors["slideshow_seconds"].widget.suffix() == " s"
    assert people.isCheckable() and people.isChecked()  # a check box, not a True/False list
    people.click()
    dialog.accept()
    assert Settings.load().recognize_people is False
    screen = dialog.screen().availableGeometry()
    assert dialog.height() <= screen.height()  # the sections scroll instead


def test_invalid_value_keeps_the_dialog_open(make_window):
    window = make_window()
    dialog = window.open_settings()
    dialog.editors["device"].put("cuda")
    dialog.editors["backend"].widget.setCurrentText("nonsense")  # not a choice: stays valid
    dialog.accept()
    assert not dialog.error.text()


def test_tensorrt_and_cuda_explained(qtbot, make_window, wait_task, monkeypatch):
    monkeypatch.setattr(hardware, "_found", None)  # detect afresh, on the worker
    window = make_window()
    with wait_task(window, "settings:hardware", timeout=60000) as job:
        dialog = window.open_settings()
    found = job.result
    backend = dialog.editors["backend"].widget
    trt = backend.model().item(backend.findData("tensorrt"))
    if found.tensorrt_problem():
        assert not trt.isEnabled()
        assert found.tensorrt_problem() in trt.toolTip()
    assert ("CUDA detected" if found.cuda else "CUDA not detected") in dialog.device_note.text()
    precision = dialog.editors["precision"].widget
    tip = precision.itemData(precision.findData("int8"), Qt.ItemDataRole.ToolTipRole)
    assert "calibrates" in tip


def test_clear_cache_deletes_only_thumbnails_and_previews(qtbot, make_window, wait_task):
    cache = Settings().resolved_cache_dir()
    for name in ("thumbs/ab/1.jpg", "previews/ab/1.jpg", "models/keep.bin"):
        (cache / name).parent.mkdir(parents=True, exist_ok=True)
        (cache / name).write_bytes(b"x" * 100)
    window = make_window()
    with wait_task(window, "settings:cache") as job:
        dialog = window.open_settings()
    usage = job.result
    assert usage.files == 2 and usage.bytes == 200
    asked = []
    dialog.confirm = lambda title, text: asked.append(text) or True
    with wait_task(window, "settings:clear") as job:
        dialog.clear_button.click()
    left = job.result
    assert asked and str(cache) in asked[0]
    assert left.files == 0
    assert not (cache / "thumbs").exists() and not (cache / "previews").exists()
    assert (cache / "models/keep.bin").exists()
    assert "0 files" in dialog.cache_note.text()


def test_window_geometry_and_layout_are_remembered(qtbot, make_window):
    window = make_window()
    window.filters_dock.hide()
    window.layout().activate()  # apply the smaller minimum size now
    window.resize(700, 560)  # the offscreen screen is 800x800
    assert window.size() == QSize(700, 560)
    window.zoom.setValue(window.zoom.value() + 1)
    zoom = window.zoom.value()
    assert int(ui_state.ui_settings().value("thumbnail_size")) == zoom  # at once: a kill keeps it
    window.close()
    again = make_window()
    assert again.size() == QSize(700, 560)
    assert not again.filters_dock.isVisible()
    assert again.zoom.value() == zoom and again.grid.gridSize().width() > 0


def test_final_actions_default_to_no(qtbot):
    from PySide6.QtWidgets import QMessageBox, QWidget

    from imgengine_gui.ui.widgets import question_box

    parent = QWidget()
    qtbot.addWidget(parent)
    final = question_box(parent, "Forget faces", "This cannot be undone.", default_no=True)
    undoable = question_box(parent, "Move to Trash", "You can undo this.")
    assert final.defaultButton() is final.button(QMessageBox.StandardButton.No)
    assert undoable.defaultButton() is not undoable.button(QMessageBox.StandardButton.No)
