#!/usr/bin/python3
"""PyTorch peer of `vitrum bench model` for DETR: the official facebookresearch/detr code (bench/detr_side_by_side.sh).

Builds the model and criterion with the official models/detr.py build() and main.py's default arguments (resnet50,
256 hidden, 8 heads, 6 + 6 layers, ffn 2048, 100 queries, COCO's 91 classes, auxiliary losses; --dilation for DC5),
random weights from seed 0 (no download: DETR asks for torchvision's pretrained backbone on the main process only,
which is switched off here), and times on random images of --height x --width (no padding):
- inference: model.eval() under torch.inference_mode(), the batch a NestedTensor made once;
- a training step as engine.py's train_one_epoch: forward, SetCriterion (Hungarian matching of the final and every
  auxiliary output, weighted losses), zero_grad, backward, clip_grad_norm_ 0.1 (main.py's clip_max_norm), AdamW with
  main.py's groups (lr 1e-4; backbone 1e-5; weight decay 1e-4). Each image has 4 objects, the same labels and boxes
  as Vitrum's bench (src/Vitrum.Cli/Commands/BenchSteps.cs, Targets).
Prints one JSON line with the fields of `vitrum bench model --json` (median ms per batch over --runs after --warmup).
Run: DETR_SRC=DIR /usr/bin/python3 bench/detr_peer.py [--batch B] [--height H --width W] [--train] [--threads T]
where DIR is a checkout of facebookresearch/detr (it holds models/ and util/); never run by tests.
"""
import argparse
import json
import os
import resource
import sys

import torch

sys.path.insert(0, os.environ["DETR_SRC"])
from pytorch_peer import timed  # noqa: E402  (beside this script)
import models.backbone as detr_backbone  # noqa: E402
from models.detr import build  # noqa: E402
from util.misc import NestedTensor  # noqa: E402

detr_backbone.is_main_process = lambda: False
OBJECTS = 4


def main_py_args(**kw):
    """main.py's defaults for what build() reads (model, matcher and loss coefficients), overridden by kw."""
    a = dict(backbone="resnet50", dilation=False, position_embedding="sine", hidden_dim=256, nheads=8, enc_layers=6,
             dec_layers=6, dim_feedforward=2048, dropout=0.1, pre_norm=False, num_queries=100, aux_loss=True,
             lr_backbone=1e-5, masks=False, frozen_weights=None, dataset_file="coco", device="cpu",
             set_cost_class=1, set_cost_bbox=5, set_cost_giou=2, bbox_loss_coef=5, giou_loss_coef=2, eos_coef=0.1,
             mask_loss_coef=1, dice_loss_coef=1)
    a.update(kw)
    return argparse.Namespace(**a)


def targets(batch, num_classes):
    """Image i's objects: labels (13 i + 7 j) mod num_classes, boxes (cx, cy, w, h) spread over the image."""
    out = []
    for i in range(batch):
        labels = torch.tensor([(i * 13 + j * 7) % num_classes for j in range(OBJECTS)], dtype=torch.int64)
        boxes = torch.tensor([[0.2 + 0.15 * j, 0.3 + 0.1 * ((i + j) % 4), 0.1 + 0.05 * j, 0.15 + 0.05 * ((i + j) % 3)]
                              for j in range(OBJECTS)], dtype=torch.float32)
        out.append({"labels": labels, "boxes": boxes})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument("--width", type=int, default=1066)
    ap.add_argument("--dilation", action="store_true", help="DETR-DC5")
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    args = main_py_args(dilation=a.dilation)
    model, criterion, _ = build(args)
    x = torch.randn(a.batch, 3, a.height, a.width)
    samples = NestedTensor(x, torch.zeros(a.batch, a.height, a.width, dtype=torch.bool))
    if a.train:
        model.train()
        criterion.train()
        groups = [{"params": [p for n, p in model.named_parameters() if "backbone" not in n and p.requires_grad]},
                  {"params": [p for n, p in model.named_parameters() if "backbone" in n and p.requires_grad], "lr": args.lr_backbone}]
        optimizer = torch.optim.AdamW(groups, lr=1e-4, weight_decay=1e-4)
        tgts = targets(a.batch, 91)
        weight_dict = criterion.weight_dict

        def once():
            loss_dict = criterion(model(samples), tgts)
            losses = sum(loss_dict[k] * weight_dict[k] for k in loss_dict.keys() if k in weight_dict)
            optimizer.zero_grad()
            losses.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
    else:
        model.eval()

        def once():
            with torch.inference_mode():
                model(samples)

    ms, times = timed(once, a.warmup, a.runs)
    print(json.dumps({"ms_per_batch": round(ms, 3), "images_per_s": round(a.batch * 1000 / ms, 3),
                      "model": "detr_resnet50_dc5" if a.dilation else "detr_resnet50", "batch": a.batch, "height": a.height,
                      "width": a.width, "train": a.train, "threads": a.threads, "runs": a.runs, "min_ms": round(min(times), 3),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
