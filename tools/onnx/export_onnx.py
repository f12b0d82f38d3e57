#!/usr/bin/python3
"""Exports the PyTorch peers of bench/side_by_side.py to ONNX for its ONNX Runtime peer (bench/Vitrum.OrtPeer).

    /usr/bin/python3 tools/onnx/export_onnx.py [--out DIR] [--force] [MODEL ...]

Builds each model exactly as bench/pytorch_peer.py does (torchvision 0.14's VisionTransformer configured like
the timm vit_* presets, torchvision's swin_t/s/b for the swin_* presets, timm's TNT from TIMM_SRC for tnt_*),
with random weights from seed 0 (the timing does not depend on the values), in eval mode, and writes
DIR/MODEL.onnx with torch.onnx.export (Debian's torch 1.13, opset 14; its exporter does not need the `onnx`
Python package), input "image" [batch, 3, 224, 224] and output "logits" [batch, 1000] with a dynamic batch.
DIR defaults to $VITRUM_ONNX_DIR or ~/.cache/vitrum/onnx: the files (90-350 MB) are never committed.
Without MODEL arguments it exports vit_small_patch16_224, vit_base_patch16_224, swin_tiny_patch4_window7_224
and, when TIMM_SRC is set, tnt_s_patch16_224. An existing file is kept unless --force. Each file is written
under a temporary name and renamed, so an interrupted export leaves no partial model behind.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench"))
from pytorch_peer import MODELS, build_model  # noqa: E402

OPSET = 14
DEFAULT_MODELS = ["vit_small_patch16_224", "vit_base_patch16_224", "swin_tiny_patch4_window7_224"]


def default_dir():
    return os.environ.get("VITRUM_ONNX_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "vitrum", "onnx")


def export(name, out_dir, force=False):
    """Writes out_dir/name.onnx unless it exists (or force); returns its path."""
    path = os.path.join(out_dir, name + ".onnx")
    if os.path.exists(path) and not force:
        return path
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    model = build_model(name).eval()
    tmp = path + ".tmp"
    # Traced with gradients enabled: under no_grad, eval-mode nn.MultiheadAttention (torchvision's ViT) takes
    # its fused fast path, aten::_native_multi_head_attention, which the opset-14 exporter cannot write.
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), tmp, opset_version=OPSET, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
    os.replace(tmp, path)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", metavar="MODEL", help=f"timm preset names, of: {', '.join(MODELS)} (default: see above)")
    ap.add_argument("--out", default=default_dir(), help="output directory (default: %(default)s)")
    ap.add_argument("--force", action="store_true", help="export again even if the file exists")
    a = ap.parse_args()
    unknown = [m for m in a.models if m not in MODELS]
    if unknown:
        ap.error(f"unknown MODEL {', '.join(unknown)}; expected one of {', '.join(MODELS)}")
    names = a.models or DEFAULT_MODELS + (["tnt_s_patch16_224"] if os.environ.get("TIMM_SRC") else [])
    for name in names:
        path = export(name, a.out, a.force)
        print(f"{name}: {path} ({os.path.getsize(path) / 2**20:.0f} MB)", flush=True)


if __name__ == "__main__":
    main()
