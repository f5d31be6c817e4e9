"""Full-tier models per task: what serves now, and using or removing a model.

With ``engine.model_download`` this is the whole API a front end needs (the CLI's ``imgengine
models`` and the GUI's Models dialog): ``model_statuses``, ``download_models``,
``use_local_folder``, ``remove_model``. Calls that load models or touch the disk belong off the
UI thread. Model settings are changed in the saved settings file, never from CLI overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.model_files import weights_refusal
from imgengine_gui.ml.model_store import Installed, installed, origin, remove_installed
from imgengine_gui.ml.registry import ON_DEMAND_TASKS, TASKS, choose_tier
from imgengine_gui.ml.runtime.hf import locate_model
from imgengine_gui.settings import Settings

SETTING = {
    "scenes": "scenes_model",
    "objects": "objects_model",
    "segmentation": "segmentation_model",
}
DOWNLOADABLE = tuple(SETTING)


class NotDownloadable(ValueError):
    """The task's model is a folder of the user's, with no hub id to fetch."""


@dataclass(frozen=True)
class ModelStatus:
    task: str
    serving: str  # what serves the task now, in words
    tier: str  # "full" | "offline"
    model: str | None  # the full-tier model setting (hub id or folder); None: no full tier
    hub_id: str | None  # what `download` fetches for this task
    present: bool
    looked_in: str
    path: str | None  # where the full-tier model is, when present
    size_bytes: int | None
    revision: str | None  # the commit installed, when known
    note: str | None = None


def model_statuses(settings: Settings) -> list[ModelStatus]:
    """One row per task, full tier or not; sizes and revisions of what is installed."""
    rows = []
    for task in (*TASKS, *ON_DEMAND_TASKS):
        choice = choose_tier(task, settings)
        found = installed(Path(choice.path)) if choice.path else None
        full = task in SETTING
        rows.append(
            ModelStatus(
                task=task,
                serving=choice.serving,
                tier=choice.tier,
                model=choice.model if full else None,
                hub_id=_hub_id_or_none(task, settings) if full else None,
                present=choice.present,
                looked_in=choice.looked_in,
                path=choice.path,
                size_bytes=found.size_bytes if found else None,
                revision=found.revision if found else None,
                note=choice.note,
            )
        )
    return rows


def hub_id(task: str, settings: Settings) -> str:
    """The hub model behind ``task``'s setting: the id itself, or where a downloaded folder came from."""
    if task not in SETTING:
        raise NotDownloadable(f"{task} has no full-tier model to download")
    value = str(getattr(settings, SETTING[task]))
    if not is_folder_setting(value):
        return value
    folder = Path(value).expanduser()
    repo_id = origin(folder)[1] if folder.is_dir() else None
    if repo_id:
        return repo_id
    raise NotDownloadable(
        f"{task} uses the local folder {value}: set its model to a Hugging Face id to download one"
    )


def _hub_id_or_none(task: str, settings: Settings) -> str | None:
    try:
        return hub_id(task, settings)
    except NotDownloadable:
        return None


def is_folder_setting(value: str) -> bool:
    return value.startswith(("/", "~", ".")) or "\\" in value or Path(value).expanduser().is_dir()


def use_local_folder(task: str, folder: Path, *, check: bool = True) -> str:
    """Point ``task`` at a model folder (after loading it once); what the model answered."""
    from imgengine_gui.ml.model_check import check_model

    if task not in SETTING:
        raise NotDownloadable(f"{task} has no full-tier model setting")
    folder = Path(folder).expanduser().resolve()
    if not (folder / "config.json").is_file():
        raise ModelUnavailable(f"{folder} is not a model folder (it has no config.json)")
    refusal = weights_refusal(folder)
    if refusal:
        raise ModelUnavailable(refusal)
    answer = check_model(task, folder) if check else "not checked"
    save_model_setting(task, str(folder))
    return answer


def remove_model(task: str, settings: Settings) -> str:
    """Delete the downloaded full-tier model of ``task``; a user's own folder is only let go."""
    value = str(getattr(settings, SETTING[task])) if task in SETTING else ""
    path = locate_model(value) if value else None
    if path is None:
        return f"{task}: no full-tier model is installed"
    found: Installed = installed(path)
    if not found.downloaded_here:
        save_model_setting(task, _default(task))
        return f"{task}: no longer uses {path} (the folder was left as it is)"
    remove_installed(found)
    if is_folder_setting(value):
        save_model_setting(task, found.repo_id or _default(task))
    return f"{task}: removed {found.repo_id or path} ({found.size_bytes / 1e6:.1f} MB freed)"


def save_model_setting(task: str, value: str) -> None:
    """Change one model setting in the saved settings (a CLI run's overrides are not saved)."""
    Settings.load().with_overrides(**{SETTING[task]: value}).save()


def _default(task: str) -> Any:
    return getattr(Settings(), SETTING[task])


def full_tier_installed(task: str, settings: Settings) -> Installed | None:
    """The full-tier model of ``task`` on this machine (served or not: segmentation's waits until
    chosen as the cutout), or None."""
    if task not in SETTING:
        return None
    path = locate_model(str(getattr(settings, SETTING[task])))
    return installed(path) if path is not None else None
