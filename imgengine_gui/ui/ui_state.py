"""Window geometry, dock layout and the last folder, remembered in an INI file under the config
folder (so IMGENGINE_HOME isolates it, like everything else)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QSettings

from imgengine_gui.settings import config_dir

ORGANISATION = "imgengine"
APPLICATION = "Image Engine"


def ui_settings() -> QSettings:
    path = config_dir() / "gui.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


def last_folder() -> str:
    return str(ui_settings().value("last_folder", "") or "")


def remember_folder(path: str) -> None:
    state = ui_settings()
    state.setValue("last_folder", path)
    state.sync()


def remember_thumbnail_size(step: int) -> None:
    ui_settings().setValue("thumbnail_size", step)


def last_save_folder() -> str:
    """Where the user last saved an export or a cutout (never defaulted to a photo folder)."""
    return str(ui_settings().value("last_save_folder", "") or "")


def remember_save_folder(path: str) -> None:
    state = ui_settings()
    state.setValue("last_save_folder", path)
    state.sync()


def warmup_seconds(kind: str) -> float | None:
    """The first batch's time in the last run that warmed up ``kind`` (compile, tensorrt, int8)."""
    value = ui_settings().value(f"warmup_s/{kind}")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def remember_warmup(kind: str, seconds: float) -> None:
    state = ui_settings()
    state.setValue(f"warmup_s/{kind}", round(seconds, 1))
    state.sync()


def _catalog_key(catalog: Path) -> str:
    return hashlib.sha1(str(Path(catalog).resolve()).encode()).hexdigest()[:16]


def excluded_groups(catalog: Path) -> set[str]:
    """Duplicate groups the user unticked in this catalog (``duplicates_view.group_key``s)."""
    value = ui_settings().value(f"excluded_groups/{_catalog_key(catalog)}", "")
    return set(str(value or "").split())


def remember_excluded_groups(catalog: Path, keys: set[str]) -> None:
    state = ui_settings()
    state.setValue(f"excluded_groups/{_catalog_key(catalog)}", " ".join(sorted(keys)))
    state.sync()
