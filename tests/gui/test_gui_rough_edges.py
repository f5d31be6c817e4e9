"""Rough edges a real-window run found (issue 15): each test failed before its fix."""

from __future__ import annotations

from PySide6.QtCore import Qt

from imgengine_gui.ui.empty_state import NO_MATCH, NO_PHOTOS


def _check_label(tag_list, label: str) -> None:
    rows = [r for r in range(tag_list.count()) if tag_list.item(r).data(Qt.ItemDataRole.UserRole) == label]
    assert rows, f"{label} not listed"
    tag_list.item(rows[0]).setCheckState(Qt.CheckState.Checked)


def test_problems_of_an_earlier_folder_stay_listed_after_analyzing_another(
    qtbot, make_window, seeded, tmp_path, folder_maker
):
    """Bug 1: the panel emptied after a second folder's clean run while the status bar still
    counted the first folder's problem."""
    window = make_window(seeded.catalog)
    window.problems.show()
    qtbot.waitUntil(lambda: window.problems.count() == 1, timeout=5000)
    clean = folder_maker(tmp_path / "clean", count=3)
    with qtbot.waitSignal(window.runs.finished, timeout=60000) as done:
        window.analyze_folder(clean, phases=("metadata", "content"))
    assert done.args[0].failed == 0
    assert "1 with problems" in window.counts_label.text()
    assert window.problems.count() == 1
    assert window.problems.tree.topLevelItem(0).text(0) == "photo_05.jpg"


def test_filters_panel_comes_back_after_closing_on_the_duplicates_view(qtbot, make_window):
    """Bug 2: closed on Duplicates (where the panel is hidden), the next start had no filters."""
    window = make_window()
    assert window.filters_dock.isVisible()
    window.show_view("duplicates")
    assert not window.filters_dock.isVisible()
    window.close()
    qtbot.waitUntil(lambda: window._shut_down, timeout=20000)
    again = make_window()
    assert again.current_view() == "grid"
    assert again.filters_dock.isVisible()
    assert again.filters_dock.toggleViewAction().isChecked()


def test_filters_matching_nothing_say_so_and_offer_to_clear_them(settle, qtbot, make_window, seeded):
    """Bug 3: filters that matched nothing said "No photos here yet. Choose 'Analyze folder…'"."""
    window = make_window(seeded.catalog)
    f = window.filters
    _check_label(f.scenes, "beach")
    f.camera.setCurrentIndex(f.camera.findData("NIKON D70"))  # no NIKON photo is a beach
    settle(window)
    assert window.grid_model.rowCount() == 0
    assert window.grid.empty_text == NO_MATCH
    button = window.library.clear_action.button
    assert button.isVisible() and button.text() == "Clear filters"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    settle(window)
    assert window.grid_model.rowCount() == 12 and f.active_count() == 0
    assert not button.isVisible()
    window.search.setText("no-such-name")
    window.search.fire()
    settle(window)
    assert "no-such-name" in window.grid.empty_text and button.isVisible()
    assert button.text() == "Clear search"
    button.click()
    settle(window)
    assert window.search.text() == "" and window.grid_model.rowCount() == 12


def test_an_empty_library_still_asks_for_a_folder(make_window):
    window = make_window()
    assert window.grid.empty_text == NO_PHOTOS
    assert not window.library.clear_action.button.isVisible()


# -- bug 13: smaller things -------------------------------------------------------------------


def test_clicking_a_scene_label_toggles_it_and_several_say_any_of(settle, qtbot, make_window, seeded):
    window = make_window(seeded.catalog)
    scenes = window.filters.scenes
    row = next(r for r in range(scenes.count())
               if scenes.item(r).data(Qt.ItemDataRole.UserRole) == "beach")
    rect = scenes.visualItemRect(scenes.item(row))
    on_text = rect.center()  # the label's text, right of the check box
    qtbot.mouseClick(scenes.viewport(), Qt.MouseButton.LeftButton, pos=on_text)
    settle(window)
    assert scenes.checked() == ("beach",) and window.grid_model.rowCount() == 2
    _check_label(scenes, "forest")
    assert "Scenes: any of beach, forest" in window.filters.summary.text()
    qtbot.mouseClick(scenes.viewport(), Qt.MouseButton.LeftButton, pos=on_text)
    assert scenes.checked() == ("forest",)
    assert "any of" not in window.filters.summary.text()


def test_eta_is_hidden_until_it_settles_then_follows_the_recent_rate():
    from imgengine_gui.ui.status import EtaEstimate

    now = [0.0]
    eta = EtaEstimate(clock=lambda: now[0])
    assert eta.update(0, 100) is None
    now[0] = 3.0  # a slow first batch (models warming up): 4 photos in 3 s
    assert eta.update(4, 100) is None  # too early to say
    for step in range(1, 8):  # then 10 photos/s
        now[0] = 3.0 + step
        estimate = eta.update(4 + 10 * step, 100)
    assert estimate is not None and 2.0 <= estimate <= 3.5  # 26 left at ~10/s, not at 74/10 s


def test_a_stopped_run_says_how_far_it_got():
    from imgengine_gui.engine.progress import RunSummary
    from imgengine_gui.ui.status import summary_text

    stopped = RunSummary("/p", new=670, analyzed=152, planned=822, elapsed_s=12, cancelled=True)
    text = summary_text(stopped)
    assert text.startswith("Stopped after 152 of 822 photos in 0:12")
    assert "670 not analyzed yet" in text and "670 new" not in text
    done = RunSummary("/p", new=1, analyzed=1, planned=1, elapsed_s=2)
    assert summary_text(done).startswith("Analyzed 1 photo in 0:02") and "1 new file found" in summary_text(done)


def test_the_search_hint_points_to_the_app_not_the_command_line(settle, make_window, seeded):
    window = make_window(seeded.catalog)
    window.search.setText("photo_0")
    window.search.fire()
    settle(window)
    text = window.hint.label.text()
    assert "Settings" in text and "imgengine" not in text and "`" not in text


def test_files_that_are_not_images_are_not_counted_as_photos(qtbot, make_window, tmp_path,
                                                              photo_maker):
    folder = tmp_path / "mixed"
    folder.mkdir()
    photo_maker(folder / "real.jpg", seed=1)
    (folder / "notes.jpg").write_text("a text file with a photo's name " * 10)
    (folder / "empty.png").write_bytes(b"")
    window = make_window()
    with qtbot.waitSignal(window.runs.finished, timeout=60000):
        window.analyze_folder(folder, phases=("metadata", "content"))
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 3, timeout=5000)
    text = window.counts_label.text()
    assert text.startswith("1 photo · 2 non-image files"), text
    assert "shown" not in text
    assert window.sidebar.all_photos.text(0) == "All photos  (1)"


def test_long_camera_names_fit_in_the_filter_popup(make_window, seeded):
    window = make_window(seeded.catalog)
    camera = window.filters.camera
    metrics = camera.view().fontMetrics()
    widest = max(metrics.horizontalAdvance(camera.itemText(i)) for i in range(camera.count()))
    assert camera.view().minimumWidth() > widest


def test_quitting_never_waits_for_a_model_probe(qtbot, make_window, monkeypatch):
    """An idle quit took 2.5-3 s: closing waited for the runtime probe's first torch import."""
    import threading

    from imgengine_gui.ui import runtime_label

    started, release, returned = threading.Event(), threading.Event(), threading.Event()

    def slow_probe(_settings):
        started.set()
        release.wait(20)
        returned.set()
        return {"tier": "t", "device": "cpu", "backend": "eager", "precision": "fp32",
                "detail": ""}

    monkeypatch.setattr(runtime_label, "describe_runtime", slow_probe)
    window = make_window()
    assert started.wait(30)
    try:
        window.close()  # returns while the probe still runs
        assert window._shut_down and not window.isVisible()
        assert not returned.is_set()
    finally:
        release.set()


def test_cancel_hides_its_tooltip_over_the_status_text(qtbot, make_window, tmp_path,
                                                      folder_maker):
    from PySide6.QtWidgets import QToolTip

    window = make_window()
    folder = folder_maker(tmp_path / "some", count=20)
    with qtbot.waitSignal(window.runs.finished, timeout=60000):
        window.analyze_folder(folder, phases=("metadata", "content"))
        QToolTip.showText(window.progress.mapToGlobal(window.progress.rect().center()),
                          "Stop the analysis", window.progress)
        assert QToolTip.isVisible()
        window.actions.cancel.trigger()
        assert window.progress.label.text().startswith("Stopping")  # before the run can end
        qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=2000)  # it fades out


def test_save_dialogs_start_outside_the_library_remember_and_warn(
    qtbot, make_window, seeded, wait_task, cluster_planter, tmp_path, monkeypatch
):
    """Bug 12: save dialogs opened in the photo library, where a saved file becomes a photo."""
    from imgengine_gui.ui import save_target

    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    monkeypatch.setattr(save_target, "standard_folders",
                        lambda: [str(seeded.folder), str(downloads)])  # Pictures is the library
    ids = seeded.ids
    cluster_planter(seeded.catalog, [ids["photo_00.jpg"], ids["photo_00_copy.jpg"]],
                    keeper=ids["photo_00.jpg"])
    window = make_window(seeded.catalog)
    assert window.prompts.save_folder() == str(downloads)

    inside = seeded.folder / "dups.csv"
    asked: list[str] = []
    window.prompts.choose_save_path = lambda title, filters, suggested: str(inside)
    window.prompts.confirm = lambda title, text: asked.append(text) or False
    window.trash.export_duplicates()
    assert asked and "appear among your photos" in asked[0] and str(seeded.folder) in asked[0]
    qtbot.waitUntil(lambda: not window.tasks.busy("library"), timeout=10000)
    assert not inside.exists()  # an export would have run on the library lane by now
    assert window.prompts.save_folder() == str(downloads)  # a refused target is not remembered

    elsewhere = tmp_path / "exports"
    elsewhere.mkdir()
    window.prompts.choose_save_path = lambda title, filters, suggested: str(elsewhere / "d.csv")
    with wait_task(window, "export"):
        window.trash.export_duplicates()
    assert (elsewhere / "d.csv").exists() and len(asked) == 1
    assert window.prompts.save_folder() == str(elsewhere)


# -- Add 5: the resume prompt ------------------------------------------------------------------


def _stopped_run(tmp_path, folder_maker):
    import threading

    from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
    from imgengine_gui.settings import Settings

    folder = folder_maker(tmp_path / "stopped", count=4)
    catalog = tmp_path / "stopped.sqlite"
    stop = threading.Event()
    stop.set()
    summary = analyze_folder(AnalyzeRequest(folder, catalog, Settings(), ("metadata", "content")),
                             cancel=stop)
    assert summary.cancelled
    return folder, catalog


def test_an_interrupted_analysis_is_offered_and_resumed(qtbot, make_window, tmp_path,
                                                        folder_maker):
    from imgengine_gui.engine.runs import interrupted_run

    folder, catalog = _stopped_run(tmp_path, folder_maker)
    window = make_window(catalog)
    notice = window.notice
    qtbot.waitUntil(lambda: notice.isVisible() and notice.action_button.text() == "Resume",
                    timeout=10000)
    assert "“stopped” was stopped" in notice.label.text()
    with qtbot.waitSignal(window.runs.finished, timeout=60000) as done:
        notice.action_button.click()
    summary = done.args[0]
    assert not summary.cancelled and summary.folder.endswith("stopped")
    assert interrupted_run(catalog) is None


def test_declining_the_resume_offer_is_remembered(qtbot, make_window, tmp_path, folder_maker,
                                                  wait_task):
    from imgengine_gui.engine.runs import interrupted_run

    _folder, catalog = _stopped_run(tmp_path, folder_maker)
    window = make_window(catalog)
    qtbot.waitUntil(lambda: window.resume.offered is not None, timeout=10000)
    with wait_task(window, "resume-dismiss"):
        window.notice.close_button.click()
    assert interrupted_run(catalog) is None


def test_a_photo_not_analyzed_yet_says_so_and_is_previewed_from_its_file(
    settle, qtbot, make_window, tmp_path, photo_maker
):
    """Bug 4: a scanned photo whose analysis had not reached it read "could not be decoded ·
    ? · Dimensions ?"."""
    from imgengine_gui.catalog import records
    from imgengine_gui.catalog.writer import CatalogWriter
    from imgengine_gui.scan import scan_folder

    folder = tmp_path / "scanned"
    folder.mkdir()
    photo_maker(folder / "waiting.jpg", seed=3, size=(640, 480))
    catalog = tmp_path / "scanned.sqlite"
    with CatalogWriter(catalog) as writer:  # what a run has done before it reaches the photo
        writer.call(lambda conn: scan_folder(conn, folder, records.upsert_folder(conn, str(folder))))
    window = make_window(catalog)
    assert window.grid_model.rowCount() == 1
    window.open_photo(window.grid_model.photo_id(0))
    settle(window)
    detail = window.detail
    assert detail.value_of("Dimensions") == "not analyzed yet"
    assert detail.value_of("Size").endswith("not analyzed yet") and "?" not in detail.value_of("Size")
    assert detail.value_of("Taken") == "not analyzed yet"
    assert "could not be decoded" not in detail.canvas.message
    qtbot.waitUntil(lambda: detail.canvas.loaded, timeout=10000)
    pixmap = detail.canvas.pixmap()
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (640, 480)


# -- bugs 5 and 6: substitutions and warm-ups explained ---------------------------------------


def test_a_substituted_precision_is_shown_in_settings_with_its_reason(
    qtbot, make_window, monkeypatch
):
    """Bug 5: fp16 was saved and the status bar said bf16, with no word of why."""
    from imgengine_gui.ml.runtime import probes

    monkeypatch.setattr(probes, "cpu_supports_bf16", lambda: True)
    window = make_window()
    dialog = window.open_settings()
    note = dialog.runtime_note
    dialog.editors["device"].put("cpu")
    dialog.editors["backend"].put("eager")
    dialog.editors["precision"].put("fp16")
    qtbot.waitUntil(lambda: note.resolved_for == ("cpu", "eager", "fp16"), timeout=60000)
    text = note.text()
    assert "Runs here as: " in text and "bf16 · cpu" in text
    assert "fp16 on cpu is slow: this CPU runs bf16 natively; using bf16" in text
    dialog.editors["precision"].put("fp32")
    qtbot.waitUntil(lambda: note.resolved_for == ("cpu", "eager", "fp32"), timeout=60000)
    assert "fp32 · cpu" in note.text() and "using bf16" not in note.text()


def test_the_status_bar_says_when_a_setting_was_adjusted():
    from imgengine_gui.ui.status import runtime_text

    report = {"tier": "offline tier", "backend": "eager", "precision": "bf16", "device": "cpu"}
    assert "adjusted" not in runtime_text(report)
    assert runtime_text({**report, "notes": ["fp16 on cpu …"]}).endswith("(adjusted, see Settings)")


def test_model_warmup_has_its_own_progress_and_its_cost_is_remembered(qtbot):
    """Bug 6: "Scanning…" for 15 s, then "0/6" for 30 s while models loaded and compiled."""
    from imgengine_gui.engine.progress import ProgressEvent
    from imgengine_gui.settings import Settings
    from imgengine_gui.ui.status import RunProgress, warmup_reason

    compile_run = Settings(backend="compile")
    assert warmup_reason(compile_run, ("metadata", "content")) is None
    reason = warmup_reason(compile_run, ("metadata", "content", "ml"))
    assert reason == "compiling, first run only"
    progress = RunProgress()
    qtbot.addWidget(progress)
    progress.start_run(reason)
    progress.show_event(ProgressEvent("models", 1, 3, message="Preparing models…"))
    assert progress.label.text() == "Preparing models (compiling, first run only)…"
    assert (progress.bar.maximum(), progress.bar.value()) == (3, 1)
    progress.show_event(ProgressEvent("analyze", 0, 6))
    assert progress.label.text().startswith("Preparing models (compiling, first run only)…")
    assert progress.bar.maximum() == 0  # busy: the compile is not measurable
    progress.show_event(ProgressEvent("analyze", 2, 6))
    assert progress.label.text().startswith("Analyzing 2/6")
    assert progress.warmup_s is not None and progress.warmup_s >= 0

    plain = RunProgress()
    qtbot.addWidget(plain)
    plain.start_run(None)
    plain.show_event(ProgressEvent("models", 1, 3))
    assert plain.label.text() == "Preparing models (1 of 3 loaded)…"


def test_settings_say_what_compile_costs_here(qtbot, make_window):
    from imgengine_gui.ui import ui_state
    from imgengine_gui.ui.runtime_note import warmup_note

    assert "not measured on this computer yet" in warmup_note("compile", "fp32")
    ui_state.remember_warmup("compile", 45.2)
    note = warmup_note("compile", "fp32")
    assert "45 s on this computer" in note and "pays off only on large runs" in note
    assert warmup_note("eager", "fp32") == ""
    window = make_window()
    dialog = window.open_settings()
    dialog.editors["device"].put("cpu")
    dialog.editors["precision"].put("fp32")
    dialog.editors["backend"].put("compile")
    note = dialog.runtime_note
    qtbot.waitUntil(lambda: note.resolved_for == ("cpu", "compile", "fp32"), timeout=60000)
    if note.resolved["backend"] == "compile":  # compile is available on this machine
        assert "45 s on this computer" in dialog.runtime_note.text()
    else:
        assert "compile unavailable" in dialog.runtime_note.text()


def test_the_pipeline_reports_model_loading(tmp_path):
    """The engine side of bug 6: while models load, "models" progress events (n of m)."""
    import threading

    from imgengine_gui.engine.pipeline import _await_models
    from imgengine_gui.engine.progress import ProgressEvent

    class SlowExecutor:
        def __init__(self):
            self.calls = 0
            self.analyzers = []

        def wait_ready(self, _timeout):
            self.calls += 1
            return self.calls > 3

        @property
        def load_progress(self):
            return min(self.calls, 2), 2

    events: list[ProgressEvent] = []
    from types import SimpleNamespace

    run = SimpleNamespace(executor=SlowExecutor(), emit=events.append, chosen=[])
    _await_models(run, threading.Event())
    assert [e.stage for e in events] == ["models"] * 3
    assert (events[-1].done, events[-1].total) == (2, 2)


# -- bug 11: nothing slow on the UI thread -----------------------------------------------------


def test_run_reloads_and_a_sidebar_click_read_the_catalog_off_the_ui_thread(
    qtbot, make_window, seeded, tmp_path, folder_maker, monkeypatch
):
    """Bug 11: keystrokes lagged 1 s when an analysis started (live reloads read the catalog
    on the UI thread) and a sidebar click took 5 s. Instrumented, not timed: the library's
    queries must not run on the UI thread during a run or on a sidebar click."""
    import threading

    from imgengine_gui.catalog import queries

    on_ui: list[str] = []
    armed = [False]

    def spied(name, original):
        def spy(*args, **kwargs):
            if armed[0] and threading.current_thread() is threading.main_thread():
                on_ui.append(name)
            return original(*args, **kwargs)

        return spy

    for name in ("counts", "folders", "photo_ids", "tag_counts", "camera_counts", "clusters"):
        monkeypatch.setattr(queries, name, spied(name, getattr(queries, name)))
    window = make_window(seeded.catalog)
    reload_all = window.library.reload_all

    def run_ended():  # the reload after a run ends is outside what is checked here
        armed[0] = False
        reload_all()

    monkeypatch.setattr(window.library, "reload_all", run_ended)
    folder = folder_maker(tmp_path / "more", count=24, size=(800, 600))
    armed[0] = True
    with qtbot.waitSignal(window.runs.finished, timeout=90000):
        assert window.analyze_folder(folder, phases=("metadata", "content"))
        qtbot.waitUntil(lambda: window.grid_model.rowCount() > 12, timeout=60000)  # live reload
    assert on_ui == []

    armed[0] = True
    assert window.sidebar.select_entry("folder", str(seeded.folder))  # as a click does
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 12, timeout=10000)
    window.show_view("duplicates")
    qtbot.waitUntil(lambda: window.duplicates.built, timeout=10000)
    armed[0] = False
    assert on_ui == []


def test_the_app_ends_its_process_once_the_window_has_closed(qapp, tmp_path, monkeypatch):
    """Bug 13: an idle quit took 2.5-3 s, most of it Python's teardown after the window closed."""
    import argparse

    import pytest

    from imgengine_gui.cli import gui_launch

    ended: list[int] = []

    def fake_exit(code):
        ended.append(code)
        raise SystemExit(code)

    monkeypatch.setattr(gui_launch.os, "_exit", fake_exit)
    args = argparse.Namespace(catalog=str(tmp_path / "c.sqlite"), view="grid",
                              screenshot=str(tmp_path / "shot.png"), folder=None)
    with pytest.raises(SystemExit):
        gui_launch.launch(args)
    assert ended == [0] and (tmp_path / "shot.png").exists()


def test_hover_hints_never_hide_or_cover_the_photo_counts(qtbot, make_window, seeded):
    """Hovering Analyze drew its hint over the photo counts: the counts were a normal status-bar
    widget, which a status tip hides (and a view change showed again under the tip)."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QToolBar

    window = make_window(seeded.catalog)
    window.resize(1400, 900)
    status, counts = window.statusBar(), window.counts_label
    qtbot.waitUntil(lambda: counts.text().startswith(f"{len(seeded.ids)} photos"), timeout=5000)
    shown = counts.text()
    hinted = [a for a in window.findChildren(QAction) if a.statusTip()]
    assert window.actions.analyze in hinted and len(hinted) > 5  # toolbar and menu actions
    toolbar = window.findChild(QToolBar, "mainToolbar")
    for action in hinted:  # as its toolbar button (or menu) does when the pointer enters it
        action.showStatusText(toolbar.widgetForAction(action) or window)
        assert status.currentMessage() == action.statusTip()
        window.show_view("grid")  # (showed the hidden counts again, under the tip)
        assert counts.isVisible() and counts.text() == shown, action.text()
        tip_width = status.fontMetrics().horizontalAdvance(action.statusTip())
        assert counts.x() > tip_width + 6, action.text()  # the tip is drawn left of the counts
    status.clearMessage()
    assert counts.isVisible() and counts.text() == shown
