"""The key of the model serving each ML task, as recorded per photo (``catalog.ml_tasks``).

A key is ``"<code version>:<model id>[@<commit>]"``: the analyzer's ``version`` attribute
(default "1"; bump it when a change in the code changes its results), the model setting, and the
installed revision when the model came from the hub. Any change makes that task alone due again.
Nothing is loaded: keys come from the chosen analyzers and the files on disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from imgengine_gui.catalog.ml_tasks import NOT_SERVED
from imgengine_gui.ml.base import Analyzer, in_ml_phase
from imgengine_gui.ml.registry import TASKS
from imgengine_gui.ml.runtime.hf import locate_model


def model_key(analyzer: Analyzer) -> str:
    key = f"{getattr(analyzer, 'version', '1')}:{analyzer.model_id}"
    if analyzer.tier != "full":
        return key
    from imgengine_gui.ml.model_store import origin

    folder = locate_model(analyzer.model_id)
    revision = origin(Path(folder))[0] if folder is not None else None
    return f"{key}@{revision}" if revision else key


def serving_keys(analyzers: Iterable[Analyzer]) -> dict[str, str]:
    """Every built-in task (``NOT_SERVED`` when no analyzer serves it), plus plug-in tasks.

    Face descriptors are left out: the people phase versions them (``IDENTITY_VERSION``)."""
    keys = dict.fromkeys(TASKS, NOT_SERVED)
    keys.update({a.name: model_key(a) for a in analyzers if in_ml_phase(a)})
    return keys
