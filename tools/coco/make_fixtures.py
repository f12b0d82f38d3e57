"""Reference fixtures for Vitrum's COCO bbox evaluation, scored by the real pycocotools COCOeval.

Writes tests/fixtures/coco/<case>/{gt.json, dt.json, expected.json}: synthetic ground truth and detections
(random boxes of every area range, crowd regions, images without ground truth, categories without detections
and detections without ground truth, score ties, more than 100 detections for one image and category, an
annotation whose `ignore` field COCOeval overwrites, an annotation id 0, areas on the range bounds) and what
COCOeval.summarize() computes and prints for them, plus each category's AP at area "all", maxDets 100.

pycocotools comes from cocoapi's own PythonAPI (github.com/cocodataset/cocoapi), built in place, not
installed: Debian 12 has no python3-pycocotools package.

    apt-get install python3-numpy python3-matplotlib python3-dev cython3 gcc
    cd cocoapi/PythonAPI && /usr/bin/python3 setup.py build_ext --inplace
    /usr/bin/python3 tools/coco/make_fixtures.py path/to/cocoapi/PythonAPI

Tests never run this script; they read the files it writes.
"""
import contextlib
import io
import json
import os
import random
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "coco")


def load_pycocotools(python_api):
    sys.path.insert(0, python_api)
    # cocoeval.py's accumulate() still spells float as np.float, an alias NumPy 1.24 removed.
    if not hasattr(np, "float"):
        np.float = float
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    return COCO, COCOeval


def side(rng, kind):
    """A box side giving areas mostly inside one COCO range: small < 32^2 <= medium < 96^2 <= large."""
    lo, hi = {"small": (2, 31), "medium": (33, 95), "large": (97, 300)}[kind]
    return round(rng.uniform(lo, hi), 2)


def random_box(rng, width, height):
    kind = rng.choice(["small", "small", "medium", "large"])
    w, h = side(rng, kind), side(rng, kind)
    w, h = min(w, width - 1), min(h, height - 1)
    return [round(rng.uniform(0, width - w), 2), round(rng.uniform(0, height - h), 2), w, h]


def jitter(rng, box, quality):
    """A detection near a ground-truth box: quality 1 is exact, 0 moves it by up to half its size."""
    x, y, w, h = box
    s = (1 - quality) * 0.5
    return [round(x + rng.uniform(-s, s) * w, 2), round(y + rng.uniform(-s, s) * h, 2),
            round(max(0.5, w * (1 + rng.uniform(-s, s))), 2), round(max(0.5, h * (1 + rng.uniform(-s, s))), 2)]


def score(rng):
    # Two decimals: many ties, whose order COCOeval's stable sorts decide.
    return round(rng.uniform(0.05, 1.0), 2)


class Case:
    def __init__(self, seed, categories):
        self.rng = random.Random(seed)
        self.images, self.annotations, self.detections = [], [], []
        self.categories = [{"id": c, "name": f"class{c}", "supercategory": "thing"} for c in categories]
        self.next_ann = 1

    def image(self, image_id, width=640, height=480):
        self.images.append({"id": image_id, "file_name": f"{image_id:012d}.jpg", "width": width, "height": height})
        return image_id

    def gt(self, image_id, category_id, box, crowd=0, area=None, **extra):
        # The area field is the segment's, smaller than the box's; COCOeval ranges by it.
        ann = {"id": self.next_ann, "image_id": image_id, "category_id": category_id, "bbox": box,
               "area": round(box[2] * box[3] * self.rng.uniform(0.6, 1.0), 2) if area is None else area,
               "iscrowd": crowd, "segmentation": [[box[0], box[1], box[0] + box[2], box[1], box[0] + box[2], box[1] + box[3]]]}
        ann.update(extra)
        self.next_ann += 1
        self.annotations.append(ann)
        return ann

    def dt(self, image_id, category_id, box, s=None):
        self.detections.append({"image_id": image_id, "category_id": category_id, "bbox": box,
                                "score": score(self.rng) if s is None else s})

    def detect(self, ann, hit=0.8):
        if self.rng.random() < hit:
            self.dt(ann["image_id"], ann["category_id"], jitter(self.rng, ann["bbox"], self.rng.uniform(0.3, 1.0)))

    def shuffled(self):
        """Annotations and images in a random file order: COCOeval sorts images by id but keeps file order per image."""
        self.rng.shuffle(self.images)
        self.rng.shuffle(self.annotations)


def mixed():
    c = Case(1, [1, 3, 7, 12, 20])
    ids = c.rng.sample(range(1, 1000), 14)
    for n, i in enumerate(ids):
        c.image(i, c.rng.choice([640, 500, 333]), c.rng.choice([480, 375, 427]))
        if n < 3:  # images without ground truth, some with false positives
            if n > 0:
                for _ in range(n * 2):
                    c.dt(i, c.rng.choice([1, 3, 7]), random_box(c.rng, 300, 300))
            continue
        for _ in range(c.rng.randint(1, 8)):
            cat = c.rng.choice([1, 3, 7, 12])
            ann = c.gt(i, cat, random_box(c.rng, 333, 375))
            if cat != 12:  # category 12 is never detected; category 20 only has false positives
                c.detect(ann)
        if n % 4 == 0:  # a crowd region with a few detections inside it
            crowd = c.gt(i, 1, [10.0, 20.0, 200.0, 150.0], crowd=1)
            for _ in range(3):
                c.dt(i, 1, [round(crowd["bbox"][0] + c.rng.uniform(0, 120), 2), round(crowd["bbox"][1] + c.rng.uniform(0, 90), 2),
                            round(c.rng.uniform(10, 70), 2), round(c.rng.uniform(10, 50), 2)])
        for _ in range(c.rng.randint(0, 3)):
            c.dt(i, c.rng.choice([1, 3, 7, 20]), random_box(c.rng, 333, 375))
    # COCOeval replaces an annotation's own `ignore` by its iscrowd flag.
    c.gt(ids[5], 3, [40.0, 40.0, 60.0, 60.0], ignore=1)
    c.dt(ids[5], 3, [41.0, 40.0, 60.0, 59.0], 0.9)
    # More than 100 detections of one category in one image: maxDets 1, 10 and 100 differ.
    many = ids[7]
    for _ in range(12):
        ann = c.gt(many, 7, random_box(c.rng, 640, 480))
        c.detect(ann, hit=1.0)
    for _ in range(125):
        c.dt(many, 7, random_box(c.rng, 640, 480))
    # Detections of a category the ground truth does not list: COCOeval leaves them out.
    c.dt(ids[4], 99, [5.0, 5.0, 50.0, 50.0], 0.99)
    c.shuffled()
    return c


def boundaries():
    """Areas exactly on the range bounds (both ranges hold them), an annotation id 0 (COCOeval takes a match with it
    for no match), equal scores everywhere, a crowd-only category and one without small objects."""
    c = Case(2, [1, 2, 5])
    for i in (3, 1, 2):
        c.image(i)
    c.next_ann = 0
    a0 = c.gt(1, 1, [10.0, 10.0, 32.0, 32.0], area=1024)
    c.dt(1, 1, [10.0, 10.0, 32.0, 32.0], 0.5)
    c.gt(1, 1, [100.0, 100.0, 96.0, 96.0], area=9216)
    c.dt(1, 1, [101.0, 100.0, 96.0, 96.0], 0.5)
    c.gt(2, 1, [50.0, 50.0, 40.0, 40.0], area=32 ** 2)
    c.dt(2, 1, [52.0, 50.0, 40.0, 40.0], 0.5)
    c.dt(2, 1, [50.0, 52.0, 40.0, 40.0], 0.5)
    c.dt(3, 1, [0.0, 0.0, 20.0, 20.0], 0.5)
    # Category 2: only crowd ground truth, so it has no precision at all.
    c.gt(2, 2, [0.0, 0.0, 300.0, 300.0], crowd=1)
    c.dt(2, 2, [10.0, 10.0, 50.0, 50.0], 0.5)
    # Category 5: medium and large only (AP small is -1 here), detections with tied scores.
    for i in (1, 2, 3):
        for _ in range(4):
            kind = c.rng.choice(["medium", "large"])
            box = [round(c.rng.uniform(0, 300), 2), round(c.rng.uniform(0, 200), 2), side(c.rng, kind), side(c.rng, kind)]
            c.gt(i, 5, box, area=round(box[2] * box[3], 2))
            c.dt(i, 5, jitter(c.rng, box, 0.6), 0.7)
        c.dt(i, 5, random_box(c.rng, 400, 300), 0.7)
    assert a0["id"] == 0
    return c


def dense():
    """One category, many objects per image: more than 100 ground truths and detections in an image."""
    c = Case(3, [1])
    for i in (10, 20):
        c.image(i, 800, 600)
    for _ in range(110):
        ann = c.gt(10, 1, random_box(c.rng, 800, 600))
        c.detect(ann, hit=0.95)
    for _ in range(20):
        c.dt(10, 1, random_box(c.rng, 800, 600))
    for _ in range(6):
        c.detect(c.gt(20, 1, random_box(c.rng, 800, 600)), hit=0.5)
    c.shuffled()
    return c


def large_only():
    """Only large ground truth: AP and AR for small and medium objects are -1 (no ground truth), and small
    unmatched detections are ignored in those ranges rather than counted as false positives."""
    c = Case(4, [4])
    for i in (7, 8):
        c.image(i)
        for _ in range(3):
            box = [round(c.rng.uniform(0, 200), 2), round(c.rng.uniform(0, 150), 2), side(c.rng, "large"), side(c.rng, "large")]
            ann = c.gt(i, 4, box, area=round(box[2] * box[3], 2))
            c.detect(ann, hit=0.9)
            c.dt(i, 4, [round(c.rng.uniform(0, 300), 2), round(c.rng.uniform(0, 300), 2), side(c.rng, "small"), side(c.rng, "small")])
    return c


def write_lines(path, items):
    """One object per line, so a fixture diff shows which box changed."""
    with open(path, "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(x, separators=(",", ":")) for x in items) + "\n]\n")


def write_case(name, case, COCO, COCOeval):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    gt_path, dt_path = os.path.join(d, "gt.json"), os.path.join(d, "dt.json")
    with open(gt_path, "w") as f:
        f.write('{"info":{"description":"synthetic, tools/coco/make_fixtures.py"},\n"images":[\n')
        f.write(",\n".join(json.dumps(x, separators=(",", ":")) for x in case.images))
        f.write('],\n"annotations":[\n')
        f.write(",\n".join(json.dumps(x, separators=(",", ":")) for x in case.annotations))
        f.write('],\n"categories":' + json.dumps(case.categories, separators=(",", ":")) + "}\n")
    write_lines(dt_path, case.detections)

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_path)
        dt = gt.loadRes(dt_path)
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        ev.summarize()
    per_category = []
    for k, cat in enumerate(ev.params.catIds):
        p = ev.eval["precision"][:, :, k, 0, -1]
        p = p[p > -1]
        per_category.append({"category_id": int(cat), "ap": float(np.mean(p)) if p.size else -1.0})
    expected = {"stats": [float(s) for s in ev.stats], "summary": printed.getvalue().splitlines(), "per_category_ap": per_category}
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(name, f"{len(case.images)} images, {len(case.annotations)} annotations, {len(case.detections)} detections")
    print("\n".join(expected["summary"]))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    COCO, COCOeval = load_pycocotools(sys.argv[1])
    for name, make in (("mixed", mixed), ("boundaries", boundaries), ("dense", dense), ("large_only", large_only)):
        write_case(name, make(), COCO, COCOeval)


if __name__ == "__main__":
    main()
