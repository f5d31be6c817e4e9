from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("PySide6.QtWidgets")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QObject, Slot  # noqa: E402

from imgengine_gui.analysis.content import ContentResult  # noqa: E402
from imgengine_gui.analysis.metadata import PhotoMetadata  # noqa: E402
from imgengine_gui.catalog import records  # noqa: E402
from imgengine_gui.catalog.writer import CatalogWriter  # noqa: E402
from imgengine_gui.scan import scan_folder  # noqa: E402
from imgengine_gui.ui.tasks import live_task_threads  # noqa: E402

DISTINCT_PHOTOS = 10


def make_photo(path: Path, seed: int, size: tuple[int, int] = (320, 240)) -> None:
    """A photo-like JPEG: smooth gradient plus a few blobs, different per seed."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(0, 255, 3)
    slope = rng.uniform(-0.6, 0.6, (2, 3))
    image = base + x[..., None] * slope[0] + y[..., None] * slope[1]
    for _ in range(4):
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(20, 80)
        inside = (x - cx) ** 2 + (y - cy) ** 2 < radius**2
        image[inside] = rng.uniform(0, 255, 3)
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path, quality=90)


def make_folder(folder: Path, count: int = DISTINCT_PHOTOS, size=(320, 240)) -> Path:
    """``count`` distinct photos plus an exact copy and a half-size copy of the first one."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        make_photo(folder / f"photo_{i:02d}.jpg", seed=i, size=size)
    shutil.copyfile(folder / "photo_00.jpg", folder / "photo_00_copy.jpg")
    with Image.open(folder / "photo_00.jpg") as original:
        original.resize((size[0] // 2, size[1] // 2)).save(folder / "photo_00_small.jpg", quality=90)
    return folder


@pytest.fixture
def photo_folder(tmp_path) -> Path:
    return make_folder(tmp_path / "photos")


@pytest.fixture(autouse=True)
def _private_trash(private_trash):
    """Every window test trashes into its own folder (tests/conftest.py's private_trash)."""
    return private_trash


@pytest.fixture(autouse=True, scope="session")
def _collect_on_ui_thread(qapp):
    """As the app does (ui/gc_policy.py): no Qt object is freed by a worker thread's collection."""
    from imgengine_gui.ui.gc_policy import collect_on_ui_thread

    return collect_on_ui_thread(qapp)


def wait_for_task_threads(timeout_s: float = 60.0) -> list[str]:
    """Task threads still alive after ``timeout_s``: a closed window does not wait for its reads
    and probes (a first torch import), but they must end on their own."""
    deadline = time.monotonic() + timeout_s
    while live_task_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    return live_task_threads()


@pytest.fixture(autouse=True)
def _no_threads_left():
    yield
    left = wait_for_task_threads()
    assert not left, f"task threads still running: {left}"


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Factory for main windows whose modal prompts are answered by the test."""
    from imgengine_gui.ui.main_window import MainWindow

    windows = []

    def make(catalog: Path | None = None, **kwargs):
        window = MainWindow(catalog or tmp_path / "catalog.sqlite", **kwargs)
        window.prompts.confirm = lambda title, text: True
        window.prompts.choose_folder = lambda: None
        window.prompts.choose_save_path = lambda title, filters, suggested: None
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: window.library.settled, timeout=20000)  # the first read shows
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()  # during an analysis: hides, cancels, and closes once the run stops
        qtbot.waitUntil(lambda window=window: window._shut_down, timeout=20000)


# -- a catalog seeded directly, for filters, detail and duplicates --------------------------------

SEED = {
    # name: metadata/ML facts; the tests' expected counts come from this table
    "photo_00.jpg": dict(scenes=["beach"], objects=["person", "dog"], people=2, faces=2,
                         camera=("Canon", "Canon EOS 40D"), date="2019-06-01", gps=True),
    "photo_01.jpg": dict(scenes=["beach", "sky"], objects=["dog"], people=0, faces=0,
                         camera=("Canon", "Canon EOS 40D"), date="2019-07-15", gps=True),
    "photo_02.jpg": dict(scenes=["forest"], objects=["person"], people=1, faces=1,
                         camera=("NIKON", "D70"), date="2020-01-10", gps=False),
    "photo_03.jpg": dict(scenes=["sky"], objects=[], people=0, faces=0,
                         camera=("NIKON", "D70"), date="2021-03-03", gps=False),
    "photo_04.jpg": dict(scenes=["forest"], objects=["person"], people=3, faces=3,
                         camera=("<b>Evil</b>", "<i>Cam</i>"), date="2021-12-31", gps=False),
    "photo_05.jpg": dict(scenes=[], objects=[], people=0, faces=0, camera=None, date=None,
                         gps=False, error="decode: truncated file"),
}


def _content(thumb: Path, preview: Path, sha: str) -> ContentResult:
    return ContentResult(sha256=sha, phash="0" * 16, dhash="0" * 16, sharpness=12.5, exposure=0.5,
                         thumb_path=str(thumb), preview_path=str(preview), decoded_width=320,
                         decoded_height=240, signature=bytes(256), content_box=(0, 0, 320, 240),
                         clipped_shadows=0.0, clipped_highlights=0.0)


def seed_catalog(catalog: Path, folder: Path, cache: Path) -> dict[str, int]:
    """Photos of ``folder`` cataloged with the SEED facts; returns name -> photo id."""
    cache.mkdir(parents=True, exist_ok=True)
    with CatalogWriter(catalog) as writer:
        def scan(conn):
            folder_id = records.upsert_folder(conn, str(folder))
            scan_folder(conn, folder, folder_id)
            return {Path(p).name: i for i, p in conn.execute("SELECT id, path FROM photos")}

        ids = writer.call(scan)

        def store(conn):
            for name, photo_id in ids.items():
                facts = SEED.get(name, dict(scenes=[], objects=[], people=0, faces=0,
                                            camera=None, date=None, gps=False))
                make, model = facts["camera"] or (None, None)
                records.store_metadata(conn, photo_id, PhotoMetadata(
                    format="JPEG", width=320, height=240, orientation=1,
                    taken_at=f"{facts['date']}T10:00:00" if facts["date"] else None,
                    taken_at_source="exif" if facts["date"] else None,
                    camera_make=make, camera_model=model,
                    gps_lat=48.85 if facts["gps"] else None,
                    gps_lon=2.35 if facts["gps"] else None,
                ))
                thumb = cache / f"thumb_{photo_id}.jpg"
                with Image.open(folder / name) as image:
                    image.thumbnail((256, 256))
                    image.save(thumb)
                records.store_content(conn, photo_id, _content(thumb, folder / name, f"sha{photo_id}"))
                result = {
                    "scenes": [{"label": s, "score": 0.9} for s in facts["scenes"]],
                    "objects": [{"label": o, "score": 0.8, "box": [0.1, 0.1, 0.5, 0.6]}
                                for o in facts["objects"]],
                    "faces": [{"score": 0.95, "box": [0.2, 0.2, 0.3, 0.35]}] * facts["faces"],
                    "people": facts["people"],
                }
                records.store_ml(conn, photo_id, result, {"scenes": "test", "objects": "test"})
                records.set_phase(conn, photo_id, "metadata", "1")
                records.set_phase(conn, photo_id, "content", "1", error=facts.get("error"))
            return None

        writer.call(store)
    return ids


def plant_cluster(catalog: Path, photo_ids: list[int], keeper: int) -> int:
    conn = sqlite3.connect(catalog)
    with conn:
        cluster_id = conn.execute(
            "INSERT INTO clusters(kind, created_at) VALUES ('exact', ?)", (time.time(),)
        ).lastrowid
        conn.executemany(
            "INSERT INTO cluster_members(cluster_id, photo_id, keep, reason) VALUES (?,?,?,?)",
            [(cluster_id, pid, int(pid == keeper),
              "keep: largest file" if pid == keeper else "exact copy of the kept file")
             for pid in photo_ids],
        )
    conn.close()
    return cluster_id


@pytest.fixture
def seeded(tmp_path):
    folder = make_folder(tmp_path / "seeded")
    catalog = tmp_path / "seeded.sqlite"
    ids = seed_catalog(catalog, folder, tmp_path / "seed-cache")
    return SimpleNamespace(folder=folder, catalog=catalog, ids=ids)


class _TaskWait(QObject):
    """``with wait_task(window, name) as job: <trigger>`` then ``job.result``: listens before the
    trigger, so a fast task cannot settle unseen; ``settled`` fires after the task's callbacks
    ran, so the window already shows the outcome."""

    def __init__(self, qtbot, window, name: str, timeout: int, may_fail: bool = False) -> None:
        super().__init__()
        self.may_fail = may_fail
        self.qtbot, self.window, self.name, self.timeout = qtbot, window, name, timeout
        self.done = False
        self.result = None
        self.error: str | None = None

    @Slot(object)
    def _record(self, task) -> None:
        if task.name == self.name and not self.done:
            self.done, self.result, self.error = True, task.result, task.error

    def __enter__(self):
        self.window.tasks.settled.connect(self._record)
        return self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is None:
                self.qtbot.waitUntil(lambda: self.done, timeout=self.timeout)
        finally:
            self.window.tasks.settled.disconnect(self._record)
        if kind is None and self.error is not None and not self.may_fail:
            raise AssertionError(f"task {self.name!r} failed: {self.error}")


@pytest.fixture
def wait_task(qtbot):
    return lambda window, name, timeout=30000, may_fail=False: _TaskWait(
        qtbot, window, name, timeout, may_fail
    )


@pytest.fixture
def settle(qtbot):
    """``settle(window)``: wait until the catalog reads asked for (reads lane) are shown."""

    def wait(window, timeout: int = 20000) -> None:
        qtbot.waitUntil(lambda: window.library.settled and not window.tasks.busy("reads"),
                        timeout=timeout)

    return wait


@pytest.fixture
def cluster_planter():
    return plant_cluster


@pytest.fixture
def folder_maker():
    """The `make_folder` helper, for tests that build their own folder sizes."""
    return make_folder


@pytest.fixture
def photo_maker():
    """The `make_photo` helper: one photo-like JPEG per seed."""
    return make_photo


@pytest.fixture
def catalog_seeder():
    """The `seed_catalog` helper, for tests that seed a folder of their own."""
    return seed_catalog


@pytest.fixture
def tasks_runner():
    """A TaskRunner of its own (widgets tested outside a window)."""
    from imgengine_gui.ui.bridge import EngineBridge
    from imgengine_gui.ui.tasks import TaskRunner

    runner = TaskRunner(EngineBridge())
    yield runner
    runner.shutdown()
