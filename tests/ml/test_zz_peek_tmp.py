import pytest
from imgengine_gui.ml.base import Runtime
from imgengine_gui.ml.full.detection import DetectionAnalyzer

@pytest.mark.parametrize("name", ["rtdetr", "detr"])
def test_peek(request, name):
    from skimage import data
    from PIL import Image
    folder = request.getfixturevalue(f"tiny_{name}_dir")
    d = DetectionAnalyzer(str(folder), threshold=0.3); d.load(Runtime())
    ims = [Image.fromarray(a) for a in (data.astronaut(), data.chelsea(), data.coffee(), data.rocket(), data.camera())]
    for r in d.run(ims):
        print(name, r["people"], [(o["label"], round(o["score"],2)) for o in r["objects"]][:8], len(r["objects"]))
