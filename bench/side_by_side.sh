#!/usr/bin/env bash
# Side-by-side benchmark of one model: Vitrum vs Debian's PyTorch 1.13 vs ONNX Runtime 1.32 (issue 4's ViT figures,
# issue 15's Swin/TNT speed acceptance, issue 17's ONNX Runtime comparison), 2 threads, interleaved rounds, medians
# of per-round ratios. Usage:
#   bench/side_by_side.sh [--model PRESET] [--rounds N] [--threads T] [--workloads infer1,infer8,train8] [--no-ort]
# e.g. bench/side_by_side.sh --model swin_tiny_patch4_window7_224; TNT needs TIMM_SRC (a directory holding timm/).
# Builds the CLI (./vitrum) and bench/Vitrum.OrtPeer (ONNX Runtime from NuGet, not in Vitrum.sln), exports the
# model to ~/.cache/vitrum/onnx on first use, then runs bench/side_by_side.py (see its docstring for the details).
# Takes ~5-15 minutes with the default 3 rounds; prints every round, a summary with met/NOT met per target, one JSON line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/vitrum" models >/dev/null  # builds the CLI in Release into .vitrum-build when sources changed
ort_out="$root/bench/Vitrum.OrtPeer/bin/peer"
ort=()
log="$(mktemp)"
if dotnet build "$root/bench/Vitrum.OrtPeer/Vitrum.OrtPeer.csproj" -c Release -o "$ort_out" --nologo -v quiet >"$log" 2>&1; then
  ort=(--ort-peer "$ort_out/Vitrum.OrtPeer.dll")
else
  echo "note: bench/Vitrum.OrtPeer did not build, running without ONNX Runtime:" >&2
  grep -E "error" "$log" | head -5 >&2 || true
fi
rm -f "$log"
exec /usr/bin/python3 "$root/bench/side_by_side.py" --vitrum "$root/.vitrum-build/vitrum.dll" "${ort[@]}" "$@"
