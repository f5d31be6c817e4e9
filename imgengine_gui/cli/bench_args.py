"""`imgengine bench`: arguments here; the harness lives in imgengine_gui.engine.bench."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--photos", type=int, default=100, help="library size to generate")
    p.add_argument("--phases", default="metadata,content,ml")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    p.add_argument("--backend", choices=("eager", "compile", "tensorrt"), default="eager")
    p.add_argument("--precision", choices=("fp32", "fp16", "bf16", "int8"), default="fp32")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--baseline-photos", type=int, default=None, help="photos for the naive baseline")
    p.add_argument("--json", action="store_true")
    p.add_argument("--size", default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.bench import run_bench

    return run_bench(args)
