#!/usr/bin/env bash
# DETR-R50 side by side: Vitrum vs the official facebookresearch/detr code on Debian's PyTorch 1.13 (issue 16's speed
# acceptance: inference at 800x1066 batch 1 >= 2x, a training step at batch 2 >= 1.5x), 2 threads, interleaved rounds,
# medians of per-round ratios, peak memory. Usage:
#   DETR_SRC=DIR bench/detr_side_by_side.sh [--rounds N] [--threads T] [--size HxW] [--workloads infer1,train2]
# DIR is a checkout of facebookresearch/detr (models/, util/); python3-torch, python3-torchvision, python3-scipy and
# python3-packaging from Debian. Builds the CLI (./vitrum), then runs bench/detr_side_by_side.py (see its docstring).
# Takes ~10-20 minutes with the default 3 rounds on a quiet machine; prints every round, a summary with met/NOT met, one JSON line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/vitrum" models >/dev/null  # builds the CLI in Release into .vitrum-build when sources changed
exec /usr/bin/python3 "$root/bench/detr_side_by_side.py" --vitrum "$root/.vitrum-build/vitrum.dll" "$@"
