"""What actually serves each task on this machine: the registry's choice, loaded and prepared.

For ``imgengine models``: loading is what reveals the device, backend (or execution provider) and
precision that serve, since every fallback happens in ``runtime.prepare``. Models load on the
device thread, as in a run.
"""

from __future__ import annotations

from typing import Any

from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.registry import choose_analyzers, model_report
from imgengine_gui.ml.runtime import on_device, one_line, resolve_runtime


def served_report(settings: Any, *, load: bool = True) -> tuple[list[dict[str, Any]], list[str]]:
    """``model_report`` rows, each with ``served`` (device · backend · precision), and the notes."""
    rows = model_report(settings)
    if not load:
        for row in rows:
            row["served"] = None
        return rows, []
    runtime = resolve_runtime(settings)
    analyzers, notes = choose_analyzers(settings)
    served: dict[str, str] = {}
    tasks = {row["task"] for row in rows}
    rows += [_step_row(a) for a in analyzers if a.name not in tasks]  # descriptors, plug-ins
    for analyzer in analyzers:
        try:
            on_device(analyzer.load, runtime)
        except (ModelUnavailable, RuntimeError, OSError, ValueError) as error:
            notes.append(f"{analyzer.name}: {analyzer.model_id} failed to load ({one_line(error)})")
            continue
        text = getattr(analyzer, "served", None)
        served[analyzer.name] = text.text if text is not None else "plug-in (runs itself)"
    if "objects" not in served and "faces" in served:
        served["objects"] = served["faces"]  # people are counted from faces
    from imgengine_gui.ml.cutout import describe, load_segmenter

    segmenter, cutout_notes = load_segmenter(settings)
    served["segmentation"] = describe(segmenter) if segmenter else "GrabCut (last fallback)"
    for row in rows:
        row["served"] = served.get(row["task"], "nothing could load")
    notes = [*notes, *cutout_notes, *runtime.notes]
    return rows, list(dict.fromkeys(notes))


def _step_row(analyzer: Any) -> dict[str, Any]:
    """A row for an analyzer that serves no tier-chosen task (face descriptors, a plug-in)."""
    return {
        "task": analyzer.name, "tier": analyzer.tier, "model": analyzer.model_id,
        "serving": analyzer.model_id, "looked_in": "installed weight packages", "present": True,
        "path": None, "note": None, "offline_present": True,
    }  # fmt: skip
