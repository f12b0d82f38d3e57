#!/usr/bin/python3
"""PyTorch peer for bench/side_by_side.py: the model of a timm preset name built from torchvision 0.14 or timm.

- vit_* presets: torchvision's VisionTransformer configured as the timm preset (depth, width, heads, MLP, patch).
- swin_{tiny,small,base}_patch4_window7_224: torchvision's SwinTransformer as its swin_t / swin_s / swin_b build
  it, the same architecture as timm's presets, with timm's stochastic depth 0.1 (Vitrum's presets use it too).
- tnt_* presets: timm's own TNT (tnt.py) imported from the directory in TIMM_SRC (a snapshot holding timm/).
- resnet18/34/50/101/152: torchvision's own builders (the same names and architectures as Vitrum's presets).
build_model() is shared with tools/onnx/export_onnx.py, which exports these same models for ONNX Runtime.

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

# timm preset -> the arguments torchvision's swin_t / swin_s / swin_b give its SwinTransformer (v1). The class is
# built directly because those builders fix stochastic depth (0.2 / 0.3 / 0.5); timm's presets use 0.1.
SWIN = {
    "swin_tiny_patch4_window7_224": dict(embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24]),
    "swin_small_patch4_window7_224": dict(embed_dim=96, depths=[2, 2, 18, 2], num_heads=[3, 6, 12, 24]),
    "swin_base_patch4_window7_224": dict(embed_dim=128, depths=[2, 2, 18, 2], num_heads=[4, 8, 16, 32]),
}

TNT = ("tnt_s_patch16_224", "tnt_s_legacy_patch16_224", "tnt_b_patch16_224")

RESNET = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")

MODELS = sorted(PRESETS) + sorted(SWIN) + sorted(TNT) + sorted(RESNET)


def tnt_model(name):
    """timm's registered TNT (its package imports on torch 1.13 without its optional dependencies)."""
    if "TIMM_SRC" not in os.environ:
        raise SystemExit(f"{name}: set TIMM_SRC to a directory holding timm's package")
    sys.path.insert(0, os.environ["TIMM_SRC"])
    import timm.models.tnt
    return getattr(timm.models.tnt, name)()


def build_model(name):
    """The PyTorch model of a timm preset name (one of MODELS), with random weights from the current seed."""
    if name in TNT:
        return tnt_model(name)
    if name in RESNET:
        return getattr(torchvision.models, name)()
    if name in SWIN:
        return torchvision.models.SwinTransformer(patch_size=[4, 4], window_size=[7, 7], stochastic_depth_prob=0.1, **SWIN[name])
    return torchvision.models.VisionTransformer(image_size=224, num_classes=1000, **PRESETS[name])


def timed(once, warmup, runs):
    """Runs once() warmup times untimed, then runs times: the median and every time, in milliseconds."""
    for _ in range(warmup):
        once()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        once()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="vit_small_patch16_224", choices=MODELS)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build_model(a.model)
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

    ms, times = timed(once, a.warmup, a.runs)
    print(json.dumps({"ms_per_batch": round(ms, 3), "images_per_s": round(a.batch * 1000 / ms, 3), "model": a.model, "batch": a.batch,
                      "train": a.train, "threads": a.threads, "runs": a.runs, "min_ms": round(min(times), 3),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
