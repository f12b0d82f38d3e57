#!/usr/bin/python3
"""Peer of `Vitrum.Bench detr-criterion`: the official DETR HungarianMatcher and SetCriterion on the same sizes.

Imports models/matcher.py and models/detr.py from a checkout of facebookresearch/detr (DETR_SRC=DIR) and prints the
median milliseconds of matching all 6 decoder outputs and of the criterion's forward and backward, with 2 threads.
Run: DETR_SRC=DIR /usr/bin/python3 bench/detr_criterion_peer.py [--batch B] [--targets T] [--rounds R]
"""
import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.environ["DETR_SRC"])
from models.detr import SetCriterion  # noqa: E402
from models.matcher import HungarianMatcher  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--batch", type=int, default=2)
parser.add_argument("--targets", type=int, default=7)
parser.add_argument("--rounds", type=int, default=50)
args = parser.parse_args()
torch.set_num_threads(2)
QUERIES, NUM_CLASSES, AUX = 100, 91, 5
gen = torch.Generator().manual_seed(1)


def random_output():
    return {"pred_logits": torch.randn(args.batch, QUERIES, NUM_CLASSES + 1, generator=gen).requires_grad_(),
            "pred_boxes": (torch.rand(args.batch, QUERIES, 4, generator=gen) * 0.8 + 0.1).requires_grad_()}


outputs = random_output()
outputs["aux_outputs"] = [random_output() for _ in range(AUX)]
targets = [{"labels": torch.tensor([(i * 13 + j * 7) % NUM_CLASSES for j in range(args.targets)]),
            "boxes": torch.rand(args.targets, 4, generator=gen) * 0.4 + 0.2} for i in range(args.batch)]
coefs = {"loss_ce": 1, "loss_bbox": 5, "loss_giou": 2}
weight_dict = dict(coefs)
for i in range(AUX):
    weight_dict.update({k + f"_{i}": v for k, v in coefs.items()})
matcher = HungarianMatcher(1, 5, 2)
criterion = SetCriterion(NUM_CLASSES, matcher, weight_dict, 0.1, ["labels", "boxes", "cardinality"])


def match():
    for o in [outputs] + outputs["aux_outputs"]:
        matcher(o, targets)


def step():
    losses = criterion(outputs, targets)
    sum(losses[k] * weight_dict[k] for k in losses if k in weight_dict).backward()


def median_ms(body):
    for _ in range(20):
        body()
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


print(f"official DETR, batch {args.batch}, {QUERIES} queries, {args.targets} targets per image, {AUX} aux outputs: "
      f"matching of 6 outputs {median_ms(match):.2f} ms, criterion forward+backward {median_ms(step):.2f} ms")
