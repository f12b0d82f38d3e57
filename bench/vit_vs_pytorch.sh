#!/usr/bin/env bash
# Side-by-side ViT benchmark against Debian's PyTorch 1.13 / torchvision 0.14 (issue 4's acceptance figures):
# vit_small_patch16_224 inference at batch 1, a batch-8 training step, and peak memory, 2 threads, interleaved
# rounds, medians of per-round ratios. Usage: bench/vit_vs_pytorch.sh [--rounds N] [--model PRESET] [--threads T]
# Takes ~5-10 minutes with the default 3 rounds; prints a table, then one JSON line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/vitrum" models >/dev/null  # builds the CLI in Release into .vitrum-build when sources changed
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$root/bench/vit_vs_pytorch.py" --vitrum "$root/.vitrum-build/vitrum.dll" "$@"
