"""Which of the 1000 ImageNet-1k classes (torchvision order) count towards which tag.

A tag's score is the summed probability of its classes, so "pet" collects all dog breeds and
house cats. Tags ImageNet cannot see (sunset) have no classes: only the full tier gives them.
"""

from __future__ import annotations

from collections.abc import Iterable


def _span(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


def _join(*parts: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({index for part in parts for index in part}))


_BIRDS = _join(_span(7, 24), _span(80, 100), _span(127, 146))
_DOGS = _span(151, 268)
_HOUSE_CATS = _span(281, 285)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
_SHOPS = (415, 424, 454, 467, 509, 582, 788, 860, 865)  # bakery, barbershop, bookshop, ...
_FLOWERS = (738, 883, 984, 985, 986)  # (flower)pot, vase, rapeseed, daisy, lady's slipper
_FUNGI = _span(991, 997)  # coral fungus .. bolete: woodland floor
_DRINKS = (440, 441, 503, 504, 505, 550, 572, 737, 849, 901, 907, 966, 967, 968, 969)
_BOATS = (403, 472, 484, 510, 554, 576, 625, 628, 693, 694, 724, 780, 814, 833, 871, 913, 914)

# Worn by people: photos where these dominate are portraits, whatever the face detector saw.
_APPAREL = (
    399, 400, 411, 433, 451, 452, 457, 459, 465, 474, 501, 515, 552, 568, 578, 601, 608, 610,
    614, 617, 629, 643, 652, 655, 667, 678, 689, 697, 735, 775, 793, 796, 808, 824, 834, 836,
    837, 841, 869, 887, 903, 906,
)

# fmt: off
CLASS_TAGS: dict[str, tuple[int, ...]] = {
    # bikini, maillots, swimming trunks, sandbar, seashore
    "beach": (445, 638, 639, 842, 977, 978),
    # mountain tent, alp, cliff, promontory, valley, volcano
    "mountain": (672, 970, 972, 976, 979, 980),
    "forest": _FUNGI,
    # breakwater, dam, dock, pier, snorkel, coral reef, geyser, lakeside, sandbar, seashore,
    # scuba diver, boats
    "water": _join((460, 525, 536, 718, 801, 973, 974, 975, 977, 978, 983), _BOATS),
    # bobsled, dogsled, ski, snowmobile, snowplow, alp (ImageNet's alps are snow-capped)
    "snow": (450, 537, 795, 802, 803, 970),
    "sunset": (),
    # cab, manhole cover, parking meter, pay-phone, steel arch bridge, streetcar, suspension
    # bridge, trolleybus, viaduct, street sign, traffic light
    "city": (468, 640, 704, 707, 821, 829, 839, 874, 888, 919, 920),
    # altar, apiary, barn, beacon, bell cote, boathouse, castle, church, cinema, cliff dwelling,
    # dome, fountain, greenhouse, lumbermill, megalith, monastery, mosque, obelisk, palace, patio,
    # planetarium, prison, stupa, thatch, tile roof, triumphal arch, vault, water tower, yurt
    "building": (
        406, 410, 425, 437, 442, 449, 483, 497, 498, 500, 538, 562, 580, 634, 649, 663, 668,
        682, 698, 706, 727, 743, 832, 853, 858, 873, 884, 900, 915,
    ),
    # shops, furniture, appliances, bathroom fittings, library, restaurant, stage, curtains...
    "indoor": _join(_SHOPS, (
        406, 421, 423, 431, 435, 453, 493, 495, 516, 520, 526, 532, 534, 545, 548, 556, 559,
        564, 579, 598, 619, 624, 651, 687, 721, 729, 736, 741, 750, 753, 760, 762, 765, 789,
        794, 799, 811, 819, 827, 831, 846, 854, 857, 861, 882, 884, 892, 894, 896, 897, 905,
    )),
    # food shops, cookware, soup bowl, waffle iron, plate .. burrito, corn, drinks
    "food": _join(
        _DRINKS, (415, 467, 509, 521, 544, 567, 766, 809, 891, 909, 923, 987), _span(924, 965)
    ),
    # every creature except the trilobite fossil
    "portrait": _APPAREL,
    "animal": _join(_span(0, 68), _span(70, 397)),
    # dogs, house cats, goldfish, Angora rabbit, hamster, guinea pig
    "pet": _join(_DOGS, _HOUSE_CATS, (1, 332, 333, 338)),
    "bird": _BIRDS,
    "flower": _FLOWERS,
    # flowers, greenhouse, cabbage, broccoli, cauliflower, artichoke, cardoon, hay, acorn, hip,
    # buckeye
    "plant": _join(_FLOWERS, (580, 936, 937, 938, 944, 946, 958, 988, 989, 990)),
    # cars, buses, trucks, trains, trams, bikes, tractors, carts, car wheel/grille/mirror
    "vehicle": (
        407, 436, 444, 466, 468, 475, 479, 511, 547, 555, 561, 565, 569, 573, 575, 581, 586,
        595, 603, 609, 612, 627, 654, 656, 660, 661, 665, 670, 671, 675, 690, 705, 717, 734,
        751, 757, 779, 802, 803, 817, 820, 829, 847, 864, 866, 867, 870, 874, 880,
    ),
    "boat": _BOATS,
    # airliner, airship, missile, projectile, space shuttle, warplane, wing
    "aircraft": (404, 405, 657, 744, 812, 895, 908),
    # binder, envelope, web site, comic book, crossword, book jacket, menu
    "document": (446, 549, 916, 917, 918, 921, 922),
    # cellphone, computer keyboard, desktop computer, hand-held computer, laptop, monitor,
    # notebook (computer), screen, television, web site
    "screen": (487, 508, 527, 590, 620, 664, 681, 782, 851, 916),
    # gym apparatus, balls, helmets, knee pad, parachute, punching bag, racket, scoreboard, ski,
    # ballplayer
    "sport": (
        416, 422, 429, 430, 522, 543, 560, 574, 602, 615, 701, 702, 722, 746, 747, 752, 768,
        781, 795, 805, 852, 890, 981,
    ),
}
# fmt: on
