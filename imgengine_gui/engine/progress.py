"""Progress and results reported by a run, as plain data (no Qt): front ends render them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class ProgressEvent:
    stage: str  # "scan" | "analyze" | "duplicates" | "done"
    done: int
    total: int
    photos_per_s: float = 0.0
    eta_s: float | None = None
    message: str = ""


@dataclass(slots=True)
class FileProblem:
    path: str
    phase: str
    message: str
    kind: str = "photo"  # "photo" (final until the file changes) | "environment" (retried)


@dataclass
class RunSummary:
    folder: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0
    analyzed: int = 0
    failed: int = 0
    elapsed_s: float = 0.0
    cancelled: bool = False
    phase_seconds: dict[str, float] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    clusters: int = 0
    models: list[dict] = field(default_factory=list)  # {name, model_id, tier, served} this run
    runtime: dict[str, str] = field(default_factory=dict)  # device, backend, precision
    planned: int = 0  # photos this run set out to analyze
    write_failures: int = 0  # results the catalog did not take (the run failed)
    failure: str | None = None  # why the run failed, once (engine/failures.py)

    @property
    def photos_per_s(self) -> float:
        return self.analyzed / self.elapsed_s if self.elapsed_s > 0 else 0.0


class RateMeter:
    """Photos/s and ETA over the run so far."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()

    def advance(self, count: int = 1) -> ProgressEvent:
        self.done += count
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else None
        return ProgressEvent("analyze", self.done, self.total, rate, eta)
