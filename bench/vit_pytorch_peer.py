#!/usr/bin/python3
"""PyTorch peer for bench/vit_vs_pytorch.py: torchvision's VisionTransformer in the config of a timm preset, or
for a tnt_* preset timm's own TNT (tnt.py) imported from the directory in TIMM_SRC (a snapshot holding timm/).

Prints one JSON line with the same fields as `vitrum bench model --json`: the median milliseconds per
batch over --runs timed iterations after --warmup untimed ones, images/s, and the process's peak RSS.
Inference runs under torch.inference_mode(); a training step is forward, cross-entropy, backward and AdamW.
Run by the side-by-side script with Debian's python3-torch 1.13 / torchvision 0.14; never by tests.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torchvision

# timm preset -> torchvision VisionTransformer arguments (same depth, width, heads, MLP, patch, classes).
PRESETS = {
    "vit_tiny_patch16_224": dict(patch_size=16, num_layers=12, num_heads=3, hidden_dim=192, mlp_dim=768),
    "vit_small_patch16_224": dict(patch_size=16, num_layers=12, num_heads=6, hidden_dim=384, mlp_dim=1536),
    "vit_base_patch16_224": dict(patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072),
    "vit_base_patch32_224": dict(patch_size=32, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072),
}

TNT = ("tnt_s_patch16_224", "tnt_s_legacy_patch16_224", "tnt_b_patch16_224")


def tnt_model(name):
    """timm's registered TNT (its package imports on torch 1.13 without its optional dependencies)."""
    if "TIMM_SRC" not in os.environ:
        raise SystemExit(f"{name}: set TIMM_SRC to a directory holding timm's package")
    sys.path.insert(0, os.environ["TIMM_SRC"])
    import timm.models.tnt
    return getattr(timm.models.tnt, name)()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="vit_small_patch16_224", choices=sorted(PRESETS) + sorted(TNT))
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = tnt_model(a.model) if a.model in TNT else torchvision.models.VisionTransformer(image_size=224, num_classes=1000, **PRESETS[a.model])
    x = torch.randn(a.batch, 3, 224, 224)
    y = torch.arange(a.batch) * 7919 % 1000
    if a.train:
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)

        def once():
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    else:
        model.eval()

        def once():
            with torch.inference_mode():
                model(x)

    for _ in range(a.warmup):
        once()
    times = []
    for _ in range(a.runs):
        t = time.perf_counter()
        once()
        times.append((time.perf_counter() - t) * 1000)
    ms = statistics.median(times)
    print(json.dumps({"ms_per_batch": round(ms, 3), "images_per_s": round(a.batch * 1000 / ms, 3), "model": a.model, "batch": a.batch,
                      "train": a.train, "threads": a.threads, "runs": a.runs, "min_ms": round(min(times), 3),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
