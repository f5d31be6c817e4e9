"""The Models dialog against the test hub, with the real huggingface_hub client: progress events
arrive, cancel works, errors are shown in the dialog; and the upgrade path from the window:
download a model, then "Re-analyze N photos with the new models" re-runs that task alone."""

from __future__ import annotations

import sqlite3

# the test hub and its tiny models (tests/hub/conftest.py, tests/ml/conftest.py)
from hub.conftest import closed_port_url, hf_cache, hub  # noqa: F401
from ml.conftest import tiny_clip_dir, tiny_rtdetr_dir, tiny_segformer_dir  # noqa: F401
from PIL import Image

from imgengine_gui.cli.main import main
from imgengine_gui.ml import download
from imgengine_gui.ml.registry import choose_tier
from imgengine_gui.settings import Settings


def _record_progress(dialog) -> list:
    seen = []
    show = dialog._show_progress

    def recording(event):
        seen.append(event)
        show(event)

    dialog._show_progress = recording  # the bridge posts to the attribute: the instance's wins
    return seen


def _open_models(window, wait_task):
    with wait_task(window, "model statuses"):
        dialog = window.model_actions.open_models()
    return dialog


def test_download_shows_progress_then_offers_the_re_analysis(
    qtbot, make_window, wait_task, hf_cache, tmp_path  # noqa: F811
):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, color in enumerate(("red", "teal")):
        Image.new("RGB", (96, 64), color).save(folder / f"p{i}.jpg")
    catalog = tmp_path / "catalog.sqlite"
    assert main(["analyze", str(folder), "--catalog", str(catalog), "--device", "cpu",
                 "--quiet"]) == 0
    window = make_window(catalog)
    dialog = _open_models(window, wait_task)
    assert "only place where it goes online" in dialog.note.text()
    assert dialog.rows["objects"].labels[3].text() == "not installed"
    assert dialog.rows["objects"].download.isEnabled()
    assert not dialog.rows["faces"].download.isVisible()  # the faces model is built in
    assert dialog.offer.isHidden()  # nothing changed yet
    seen = _record_progress(dialog)

    with wait_task(window, "download models", timeout=120000):
        qtbot.mouseClick(dialog.rows["objects"].download, qtbot_left())
        assert dialog.busy and not dialog.download_all.isEnabled()
    assert {"checking", "ready", "downloading"} <= {event.stage for event in seen}
    downloading = [e for e in seen if e.stage == "downloading"]
    assert downloading[-1].done_bytes == downloading[-1].total_bytes > 0
    assert dialog.progress_label.text().startswith("Installed objects (")
    assert not dialog.error.text()
    qtbot.waitUntil(lambda: dialog.rows["objects"].labels[3].text().startswith("installed"))
    assert dialog.rows["objects"].remove.isEnabled()
    assert not dialog.offer.isHidden()
    assert dialog.offer_button.text() == "Re-analyze 2 photos with the new models"
    assert window.notice.action_button.text() == "Re-analyze 2 photos with the new models"

    with qtbot.waitSignal(window.runs.finished, timeout=120000) as finished:
        qtbot.mouseClick(dialog.offer_button, qtbot_left())
    summary = finished.args[0]
    assert summary.analyzed == 2 and summary.failed == 0
    with sqlite3.connect(catalog) as conn:
        keys = dict(conn.execute("SELECT DISTINCT task, model FROM ml_tasks"))
        assert keys["objects"].startswith(f"1:{Settings().objects_model}@")
        assert keys["faces"] == "1:mtcnn"
    with wait_task(window, "model statuses"):
        dialog.refresh()
    assert dialog.offer.isHidden()


def test_cancel_and_errors_are_shown_in_the_dialog(
    qtbot, make_window, wait_task, hub, hf_cache, monkeypatch  # noqa: F811
):
    monkeypatch.setattr(download, "CHUNK_BYTES", 16 * 1024)
    hub.slow["model.safetensors"] = 0.2  # 20+ chunks: seconds to cancel in
    window = make_window()
    dialog = _open_models(window, wait_task)
    seen = _record_progress(dialog)
    with wait_task(window, "download models", timeout=60000, may_fail=True):
        qtbot.mouseClick(dialog.rows["scenes"].download, qtbot_left())
        qtbot.waitUntil(lambda: any(e.stage == "downloading" for e in seen), timeout=30000)
        assert dialog.progress_label.text().startswith("Downloading scenes: ")
        qtbot.mouseClick(dialog.cancel_button, qtbot_left())
    assert dialog.error.text() == (
        "Download cancelled; nothing was changed (the next download resumes)."
    )
    assert not dialog.busy and dialog.rows["scenes"].download.isEnabled()

    monkeypatch.setenv("HF_ENDPOINT", closed_port_url())
    with wait_task(window, "download models", timeout=60000, may_fail=True):
        qtbot.mouseClick(dialog.download_all, qtbot_left())
    assert dialog.error.text().startswith("Could not reach the model hub: ")
    assert dialog.error.text().endswith("nothing was changed.")
    assert choose_tier("scenes", Settings()).tier == "offline"  # nothing was installed


def test_return_in_the_models_dialog_closes_it_and_downloads_nothing(
    qtbot, make_window, wait_task
):
    """Return pressed on opening the dialog clicked the focused first "Download" (an auto-default
    button) and went online: downloading must be a click on Download."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    window = make_window()
    dialog = _open_models(window, wait_task)
    requested = []
    dialog.download = requested.append  # the buttons call the instance's attribute
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    focused = dialog.focusWidget()
    assert isinstance(focused, QPushButton) and focused.text() == "Close"
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert requested == [] and not dialog.busy
    assert not dialog.isVisible()
    assert not any(button.autoDefault() for button in dialog.findChildren(QPushButton))


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_re_analyze_dialog_redoes_the_chosen_phases_for_the_selection(
    qtbot, make_window, tmp_path, monkeypatch
):
    from imgengine_gui.analysis import metadata
    from imgengine_gui.ui.reanalyze_dialog import open_reanalyze_dialog

    folder = tmp_path / "photos"
    folder.mkdir()
    for i, color in enumerate(("red", "teal", "navy")):
        Image.new("RGB", (96, 64), color).save(folder / f"p{i}.jpg")
    catalog = tmp_path / "catalog.sqlite"
    assert main(["analyze", str(folder), "--catalog", str(catalog), "--phases",
                 "metadata,content", "--quiet"]) == 0
    reads = []
    original = metadata.read_metadata
    monkeypatch.setattr(
        metadata, "read_metadata", lambda *a, **k: reads.append(a) or original(*a, **k)
    )
    window = make_window(catalog)

    dialog = open_reanalyze_dialog(window, [folder / "p1.jpg"])
    assert dialog.question.text() == "Redo these parts of the analysis for the 1 selected photo:"
    assert [n for n, box in dialog.boxes.items() if box.isChecked()] == [
        "scenes", "objects", "faces"
    ]
    for name, box in dialog.boxes.items():
        box.setChecked(name == "metadata")
    with qtbot.waitSignal(window.runs.finished, timeout=60000) as finished:
        qtbot.mouseClick(dialog.start, qtbot_left())
    assert finished.args[0].analyzed == 1 and len(reads) == 1
    assert str(reads[0][0]).endswith("p1.jpg")

    dialog = open_reanalyze_dialog(window, None)  # every analyzed photo
    for box in dialog.boxes.values():
        box.setChecked(False)
    assert not dialog.start.isEnabled()  # nothing to redo
    dialog.boxes["metadata"].setChecked(True)
    with qtbot.waitSignal(window.runs.finished, timeout=60000) as finished:
        qtbot.mouseClick(dialog.start, qtbot_left())
    assert finished.args[0].analyzed == 3 and len(reads) == 4


def test_use_a_local_folder_from_settings_updates_the_open_settings(
    qtbot, make_window, wait_task, tiny_rtdetr_dir  # noqa: F811
):
    from PySide6.QtWidgets import QPushButton

    window = make_window()
    settings_dialog = window.open_settings()
    with wait_task(window, "model statuses"):
        qtbot.mouseClick(settings_dialog.findChild(QPushButton, "openModels"), qtbot_left())
    dialog = window.model_actions.dialog
    assert dialog.isVisible()
    dialog.choose_folder = lambda task: str(tiny_rtdetr_dir)
    with wait_task(window, "use model folder", timeout=60000):
        qtbot.mouseClick(dialog.rows["objects"].folder, qtbot_left())
    assert dialog.progress_label.text().startswith(f"Objects and people now uses {tiny_rtdetr_dir}")
    assert Settings.load().objects_model == str(tiny_rtdetr_dir)
    assert window.settings.objects_model == str(tiny_rtdetr_dir)
    # Save in the Settings dialog keeps the folder, not the model id it showed before
    assert settings_dialog.editors["objects_model"].get() == str(tiny_rtdetr_dir)
    qtbot.waitUntil(lambda: dialog.rows["objects"].labels[3].text().startswith("installed"))
    assert dialog.rows["objects"].labels[1].text().startswith("RT-DETR")

    dialog.choose_folder = lambda task: str(tiny_rtdetr_dir.parent)  # not a model folder
    with wait_task(window, "use model folder", timeout=60000, may_fail=True):
        qtbot.mouseClick(dialog.rows["objects"].folder, qtbot_left())
    assert "is not a model folder" in dialog.error.text()
