"""Scene tags from ImageNet-1k probabilities (torchvision class order): which classes, how combined.

Why ``animal`` used to fire on flowers, plots and blank squares: its score was the summed
probability of 397 animal classes. A photo the network cannot place spreads its probability thinly
over all 1000 classes, and 40% of them are animals, so the sum alone crossed the threshold; flowers
and leaves also draw insects (mantis, bee, butterflies) that ImageNet shows sitting on them.

Now each tag is fed by a few narrow *groups* of related classes (lizards, dogs, churches...):
- only the ``TOP_K`` most probable classes of a photo count, so a flat tail adds nothing;
- a group's score is the summed probability of its classes among those, so a network torn
  between 5 dog breeds still says "dog" with confidence, but one torn between a gazelle and a
  dingo does not say "animal";
- a tag's score is its best group's; the tag is emitted when that passes the tag's threshold
  (``ml/tag_thresholds.json``, calibrated on labelled photos by ``benchmarks/tags_eval.py``).
Classes ImageNet confuses with other scenes feed no tag at all: insects and spiders (flowers,
leaves), jellyfish and worms (blank or noisy pictures), bobsled (helmeted people), gondola (narrow
streets). Colour-defined tags (food, flower, plant) need a photo in colour: on grey pictures
ImageNet's fruit and flower classes answer to shape alone. ``portrait`` is not here: it comes from
the face boxes (``ml/photo_tags.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

TOP_K = 5
COLOUR_TAGS = frozenset({"food", "flower", "plant"})
MIN_CHROMA = 6.0


def _span(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


def _join(*parts: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({index for part in parts for index in part}))


# name: (classes, tags). A group may feed more than one tag (a cab is a vehicle and a street).
# fmt: off
GROUPS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    # --- animals: one group per family the network tells apart
    "fish": (_join(_span(0, 6), _span(389, 397)), ("animal",)),
    "birds": (_join(_span(7, 24), _span(80, 100), _span(127, 146)), ("animal", "bird")),
    "amphibians": (_span(25, 32), ("animal",)),
    "turtles": (_span(33, 37), ("animal",)),
    "lizards": (_span(38, 48), ("animal",)),
    "crocodilians": ((49, 50), ("animal",)),
    "snakes": (_span(52, 68), ("animal",)),
    "marine mammals": (_span(147, 150), ("animal",)),
    "dogs": (_span(151, 268), ("animal", "pet")),
    "wild dogs": (_span(269, 280), ("animal",)),
    "house cats": (_span(281, 285), ("animal", "pet")),
    "big cats": (_span(286, 293), ("animal",)),
    "bears": (_join(_span(294, 297), (387, 388)), ("animal",)),
    "small mammals": (_join((298, 299), _span(330, 338), _span(356, 364)), ("animal",)),
    "hoofed": (_span(339, 355), ("animal",)),
    "primates": (_span(365, 384), ("animal",)),
    "elephants": ((101, 385, 386), ("animal",)),
    "marsupials": (_span(102, 106), ("animal",)),
    # --- places and scenes
    # monastery, bell cote, church, palace, castle, mosque, stupa, dome, vault, barn, boathouse,
    # cinema, cliff dwelling, lumbermill, planetarium, thatch, tile roof, triumphal arch, obelisk,
    # water tower, yurt, beacon, patio
    "buildings": ((663, 442, 497, 698, 483, 668, 832, 538, 884, 425, 449, 498, 500, 634, 727,
                   853, 858, 873, 682, 900, 915, 437, 706), ("building",)),
    # prison (ImageNet's barred facades: old-town streets), cab, streetcar, trolleybus, street
    # sign, traffic light, parking meter, manhole cover, pay-phone
    "streets": ((743, 468, 829, 874, 919, 920, 704, 640, 707), ("city", "building")),
    # alp, cliff, promontory, valley, volcano
    "mountains": ((970, 972, 976, 979, 980), ("mountain",)),
    # ski, dogsled, snowmobile, snowplow
    "snow sports": ((795, 537, 802, 803), ("snow",)),
    # lakeside, coral reef, dam, pier, dock, breakwater, fountain and geyser (waterfalls),
    # snorkel, scuba diver
    "waters": ((975, 973, 525, 718, 536, 460, 562, 974, 801, 983), ("water",)),
    "shores": ((977, 978), ("beach", "water")),  # sandbar, seashore
    # --- plants: flowers, flowerpot, plants and their fruit, fungi (close-up greenery draws them)
    # rapeseed, daisy, yellow lady's slipper, cardoon (a thistle in flower)
    "flowers": ((984, 985, 986, 946), ("flower", "plant")),
    "plants": ((738, 944, 987, 988, 989, 990, 998), ("plant",)),  # pot, artichoke, corn, acorn..
    "fungi": (_span(991, 997), ("plant",)),
    # --- food and drink
    "dishes": (_join(_span(923, 935), _span(959, 965), (809, 926)), ("food",)),
    "produce": (_join(_span(936, 945), _span(948, 957)), ("food",)),
    # red wine, espresso, cup, eggnog, beer glass, coffee mug, teapot, goblet
    "drinks": ((966, 967, 968, 969, 441, 504, 849, 572), ("food",)),
    "food shops": ((415, 467, 509, 582), ("food", "indoor")),
    # --- rooms: furniture, fittings, shops, halls
    "rooms": ((762, 624, 532, 831, 453, 495, 894, 564, 598, 548, 579, 736, 423, 406, 687, 819,
               854, 789, 750, 721, 435, 794, 861, 896, 760, 651, 534, 827, 729, 516, 520, 526,
               765, 846, 619, 753, 421, 741, 424, 454, 788, 865, 860), ("indoor",)),
    # --- things that move people
    "road vehicles": ((407, 436, 468, 475, 479, 511, 555, 561, 569, 573, 575, 581, 586, 595, 603,
                       609, 612, 627, 654, 656, 660, 661, 665, 670, 671, 675, 690, 705, 717, 734,
                       751, 757, 779, 817, 847, 864, 866, 867, 870, 880, 444), ("vehicle",)),
    "rail": ((466, 547, 565, 820), ("vehicle",)),
    "boats": ((403, 472, 484, 510, 554, 625, 628, 693, 694, 724, 780, 814, 833, 871, 913, 914),
              ("boat", "water")),
    # airliner, airship, warplane, wing, space shuttle
    "aircraft": ((404, 405, 895, 908, 812), ("aircraft",)),
    # --- paper and screens
    "documents": ((918, 922, 917, 921), ("document",)),  # crossword, menu, comic book, book jacket
    "screens": ((664, 782, 851, 620, 527, 681, 916, 590), ("screen",)),
    # --- sport: players, scoreboards and gym apparatus (balls answer to any round thing)
    "sport": ((981, 781, 416, 602, 702, 422, 543, 747), ("sport",)),
}
# fmt: on

TAG_ORDER: tuple[str, ...] = tuple(dict.fromkeys(t for _, tags in GROUPS.values() for t in tags))


def _groups_of_classes() -> list[list[int]]:
    """For each of the 1000 classes, the indexes of the groups it belongs to."""
    groups_of: list[list[int]] = [[] for _ in range(1000)]
    for group, (classes, _) in enumerate(GROUPS.values()):
        for index in classes:
            groups_of[index].append(group)
    return groups_of


_GROUPS_OF_CLASS = _groups_of_classes()
_GROUP_TAGS = [tags for _, tags in GROUPS.values()]


def tag_scores(
    probabilities: np.ndarray, colourful: np.ndarray | None = None
) -> list[dict[str, float]]:
    """Per photo, each tag's score (its best group's top-k probability mass); zero tags omitted.

    ``probabilities``: (N, 1000) softmax outputs. ``colourful``: (N,) bools, False for photos
    without colour (those get no colour-defined tag); None: all in colour.
    """
    probabilities = np.asarray(probabilities, np.float32)
    top = np.argpartition(-probabilities, TOP_K, axis=1)[:, :TOP_K]  # a few hundred flops: no BLAS
    results = []
    for row, classes in enumerate(top):
        group_scores: dict[int, float] = {}
        for index in classes.tolist():
            for group in _GROUPS_OF_CLASS[index]:
                group_scores[group] = group_scores.get(group, 0.0) + float(
                    probabilities[row, index]
                )
        tags: dict[str, float] = {}
        for group, score in group_scores.items():
            for tag in _GROUP_TAGS[group]:
                tags[tag] = max(tags.get(tag, 0.0), score)
        if colourful is not None and not colourful[row]:
            tags = {tag: score for tag, score in tags.items() if tag not in COLOUR_TAGS}
        results.append(tags)
    return results


def colourful(images: Sequence[Image.Image], min_chroma: float = MIN_CHROMA) -> np.ndarray:
    """(N,) bools: a photo is in colour when its pixels' mean channel spread reaches
    ``min_chroma`` (0..255), measured on a 32x32 thumbnail. Grey and faintly toned photos: False."""
    thumbs = [image.convert("RGB").resize((32, 32), reducing_gap=2.0) for image in images]
    pixels = np.stack([np.asarray(thumb, np.int16) for thumb in thumbs])
    spread = pixels.max(axis=3) - pixels.min(axis=3)
    return spread.reshape(len(thumbs), -1).mean(axis=1) >= min_chroma
