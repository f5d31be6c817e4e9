"""Tiny random full-tier models built from the real transformers config classes.

Each is saved with ``save_pretrained`` (weights, config, image processor, tokenizer) into a
session folder, so loading goes through exactly the code path a downloaded model takes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# Before anything imports huggingface_hub: belt and braces over local_files_only.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ADE_LIKE_LABELS = ("wall", "building;edifice", "sky", "floor;flooring", "tree", "road;route",
                   "grass", "person;individual;someone;somebody;mortal;soul",
                   "car;auto;automobile;machine;motorcar",
                   "animal;animate;being;beast;brute;creature;fauna")  # fmt: skip
DETECTION_LABELS = ("person", "bicycle", "car", "dog", "cat")


@pytest.fixture(scope="session")
def detection_labels() -> tuple[str, ...]:
    """The classes of the tiny detectors (both RT-DETR and DETR)."""
    return DETECTION_LABELS


def _favour_person(head, bias: float) -> None:
    """Fresh class heads score all classes alike, under any threshold: make people likely."""
    import torch

    with torch.no_grad():
        head.bias[DETECTION_LABELS.index("person")] += bias


def _torch():
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    return torch


def _clip_tokenizer(corpus: list[str]):
    """A byte-level BPE in CLIP's layout ("</w>" word ends), trained on the prompts it will see."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import CLIPTokenizer

    bpe = Tokenizer(models.BPE(unk_token="<|endoftext|>", end_of_word_suffix="</w>"))
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Whitespace(), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["<|startoftext|>", "<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        end_of_word_suffix="</w>",
    )
    punctuation = list(".,!?;:'\"-()0123456789")
    bpe.train_from_iterator(corpus + punctuation, trainer)
    model = json.loads(bpe.to_str())["model"]
    return CLIPTokenizer(vocab=model["vocab"], merges=[tuple(pair) for pair in model["merges"]])


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory) -> Path:
    _torch()
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    from imgengine_gui.ml.tags import TAGS

    corpus = [prompt for prompts in TAGS.values() for prompt in prompts]
    corpus += ["a red car", "a dog on the grass", "snowy mountains at sunset"]
    tokenizer = _clip_tokenizer(corpus)
    config = CLIPConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": 32, "intermediate_size": 64,
            "num_hidden_layers": 2, "num_attention_heads": 2, "max_position_embeddings": 77,
            "bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 2, "image_size": 64, "patch_size": 16,
        },
        projection_dim=16,
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tiny-clip")
    CLIPModel(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    CLIPImageProcessor(
        size={"shortest_edge": 64}, crop_size={"height": 64, "width": 64}
    ).save_pretrained(folder)
    return folder


def _labels(names: tuple[str, ...]) -> dict:
    return {"id2label": dict(enumerate(names)), "label2id": {n: i for i, n in enumerate(names)}}


@pytest.fixture(scope="session")
def tiny_rtdetr_dir(tmp_path_factory) -> Path:
    _torch()
    from transformers import (
        RTDetrConfig,
        RTDetrForObjectDetection,
        RTDetrImageProcessor,
        RTDetrResNetConfig,
    )

    backbone = RTDetrResNetConfig(
        embedding_size=8, hidden_sizes=[8, 16, 32, 64], depths=[1, 1, 1, 1], layer_type="basic",
        out_features=["stage2", "stage3", "stage4"],
    )  # fmt: skip
    config = RTDetrConfig(
        backbone_config=backbone, encoder_in_channels=[16, 32, 64], encoder_hidden_dim=16,
        encoder_ffn_dim=32, encoder_attention_heads=2, d_model=16, decoder_in_channels=[16, 16, 16],
        decoder_ffn_dim=32, decoder_layers=2, decoder_attention_heads=2, num_queries=30,
        num_denoising=0, **_labels(DETECTION_LABELS),
    )  # fmt: skip
    model = RTDetrForObjectDetection(config).eval()
    _favour_person(model.model.decoder.class_embed[-1], 1.5)
    folder = tmp_path_factory.mktemp("tiny-rtdetr")
    model.save_pretrained(folder)
    RTDetrImageProcessor(size={"height": 128, "width": 128}).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_detr_dir(tmp_path_factory) -> Path:
    _torch()
    from transformers import DetrConfig, DetrForObjectDetection, DetrImageProcessor, ResNetConfig

    backbone = ResNetConfig(
        embedding_size=8, hidden_sizes=[8, 16, 32, 64], depths=[1, 1, 1, 1], layer_type="basic",
        out_features=["stage4"],
    )  # fmt: skip
    config = DetrConfig(
        backbone_config=backbone, use_timm_backbone=False, d_model=16, encoder_layers=1,
        decoder_layers=1, encoder_ffn_dim=32, decoder_ffn_dim=32, encoder_attention_heads=2,
        decoder_attention_heads=2, num_queries=20, **_labels(DETECTION_LABELS),
    )  # fmt: skip
    model = DetrForObjectDetection(config).eval()
    _favour_person(model.class_labels_classifier, 2.0)
    folder = tmp_path_factory.mktemp("tiny-detr")
    model.save_pretrained(folder)
    DetrImageProcessor(size={"shortest_edge": 96, "longest_edge": 128}).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_segformer_dir(tmp_path_factory) -> Path:
    _torch()
    from transformers import (
        SegformerConfig,
        SegformerForSemanticSegmentation,
        SegformerImageProcessor,
    )

    config = SegformerConfig(
        depths=[1, 1, 1, 1], hidden_sizes=[8, 16, 24, 32], num_attention_heads=[1, 1, 1, 1],
        decoder_hidden_size=16, **_labels(ADE_LIKE_LABELS),
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tiny-segformer")
    SegformerForSemanticSegmentation(config).eval().save_pretrained(folder)
    SegformerImageProcessor(size={"height": 128, "width": 128}).save_pretrained(folder)
    return folder
