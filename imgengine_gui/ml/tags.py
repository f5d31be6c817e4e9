"""The scene/object tag vocabulary people filter by, shared by both ML tiers.

``TAGS`` maps each tag to the prompts the full tier's CLIP zero-shot classifier scores (a tag's
prompts are averaged: a prompt ensemble); the offline tier maps ImageNet classes onto the same tags
(``ml/offline/imagenet_tags.py``). A tag's name is what the catalog stores and the UI shows.
"""

from __future__ import annotations

TAGS: dict[str, tuple[str, ...]] = {
    "beach": ("a photo of a beach", "a photo of a sandy beach by the sea", "people on a beach"),
    "mountain": ("a photo of mountains", "a mountain landscape", "a photo of a snowy peak"),
    "forest": ("a photo of a forest", "trees in a forest", "a path through the woods"),
    "water": ("a photo of a lake", "a photo of the sea", "a photo of a river", "a waterfall"),
    "snow": ("a photo of snow", "a snowy winter landscape", "people skiing in the snow"),
    "sunset": ("a photo of a sunset", "a photo of a sunrise", "an orange sky at dusk"),
    "city": ("a photo of a city street", "a city skyline", "an urban street with cars"),
    "building": ("a photo of a building", "a photo of a house", "a church", "a castle"),
    "indoor": ("a photo of a room", "an indoor photo of a living room", "a kitchen", "an office"),
    "food": (
        "a photo of food",
        "a plate of food",
        "a meal on a table",
        "a cup of coffee",
        "a drink",
    ),
    "portrait": ("a portrait of a person", "a photo of a person", "a group of people posing"),
    "animal": ("a photo of an animal", "a wild animal", "a farm animal"),
    "pet": ("a photo of a dog", "a photo of a cat", "a pet at home"),
    "bird": ("a photo of a bird", "a bird flying", "a bird on a branch"),
    "flower": ("a photo of a flower", "a bouquet of flowers", "flowers in a garden"),
    "plant": ("a photo of a plant", "a potted plant", "green leaves", "a garden"),
    "vehicle": (
        "a photo of a car",
        "a photo of a bus",
        "a photo of a train",
        "a bicycle",
        "a truck",
    ),
    "boat": ("a photo of a boat", "a sailing boat", "a ship at sea"),
    "aircraft": ("a photo of an airplane", "an aircraft in the sky", "a helicopter"),
    "document": ("a photo of a document", "a page of text", "a receipt", "a printed form"),
    "screen": ("a screenshot", "a photo of a computer screen", "a phone screen", "a television"),
    "sport": (
        "a photo of a sports game",
        "people playing sports",
        "a stadium",
        "a person exercising",
    ),
}

TAG_NAMES: tuple[str, ...] = tuple(TAGS)
