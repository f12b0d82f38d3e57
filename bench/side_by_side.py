#!/usr/bin/python3
"""Vitrum vs PyTorch vs ONNX Runtime on one model, in interleaved rounds (one command: bench/side_by_side.sh).

    bench/side_by_side.sh [--model PRESET] [--rounds 3] [--threads 2] [--workloads infer1,train8] [--no-ort] [--no-torch]
                          [--baseline OTHER/vitrum.dll]

Contestants, each a separate process under /usr/bin/time -v (its "Maximum resident set size" is the
peak-memory figure), each printing the JSON line of `vitrum bench model --json`:
- Vitrum: `vitrum bench model` (the CLI built by ./vitrum into .vitrum-build).
- PyTorch: bench/pytorch_peer.py on Debian's torch 1.13 / torchvision 0.14 (ViT, Swin, ResNet; timm's TNT from TIMM_SRC).
- ONNX Runtime 1.32 (inference only): bench/Vitrum.OrtPeer on the same PyTorch model exported by
  tools/onnx/export_onnx.py into --onnx-dir (exported on first use; skipped with a note if that fails).
The peers run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from their environment so OpenBLAS picks its
best kernel, and with OMP_WAIT_POLICY=PASSIVE (unless set), PyTorch's fastest 2-thread setting on this machine.

Workloads (--workloads, comma-separated): infer1 = inference at batch 1, infer8 = inference at batch 8,
train8 = a training step (forward, cross-entropy, backward, AdamW) at batch 8 (Vitrum and PyTorch only).
Each round runs every workload once per contestant, the contestants' order rotating from round to round.
The machine is shared, so the summary is the median of per-round ratios (all sides measured minutes apart
at most), with every round's figures listed. Speed ratio = peer time / Vitrum time (> 1: Vitrum faster);
memory ratio = Vitrum peak RSS / peer peak RSS (< 1: Vitrum smaller).

Targets: vs PyTorch, inference at batch 1 >= 2.0x for ViT (issue 4) and >= 1.5x for Swin and TNT (issue 15);
a batch-8 training step >= 1.5x for ViT and Swin; peak memory <= PyTorch's in every workload. vs ONNX Runtime,
inference >= 1.1x (issue 17). Figures without a target are printed without a verdict.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "bench", "pytorch_peer.py")
EXPORT = os.path.join(ROOT, "tools", "onnx", "export_onnx.py")
WORKLOADS = {"infer1": (1, False), "infer8": (8, False), "train8": (8, True)}
# (workload, model-name prefix) -> minimum speed ratio Vitrum vs PyTorch; a prefix missing here has no target.
TORCH_TARGETS = {("infer1", "vit"): 2.0, ("infer1", "deit"): 2.0, ("infer1", "swin"): 1.5, ("infer1", "tnt"): 1.5,
                 ("train8", "vit"): 1.5, ("train8", "deit"): 1.5, ("train8", "swin"): 1.5}
ORT_TARGET = 1.1


def timed(cmd, env):
    """Runs cmd under /usr/bin/time -v; returns (its last stdout line as JSON, max RSS in MB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1]), int(rss.group(1)) / 1024 if rss else float("nan")


def onnx_file(model, onnx_dir, env):
    """The exported model, exporting it first if missing; None (with a note) when the export fails."""
    path = os.path.join(onnx_dir, model + ".onnx")
    if not os.path.exists(path):
        print(f"exporting {model} to {path} ...", flush=True)
        p = subprocess.run(["/usr/bin/python3", EXPORT, "--out", onnx_dir, model], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            print(f"note: ONNX export of {model} failed, running without ONNX Runtime:\n{p.stderr.strip()[-1500:]}", flush=True)
            return None
    return path


def verdict(value, target, higher_is_better=True):
    if target is None:
        return "no target"
    met = value >= target if higher_is_better else value <= target
    return f"target {'>=' if higher_is_better else '<='} {target}x: {'met' if met else 'NOT met'}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vitrum", required=True, help="path to the built vitrum.dll")
    ap.add_argument("--ort-peer", help="path to the built Vitrum.OrtPeer.dll (without it: no ONNX Runtime)")
    ap.add_argument("--onnx-dir", default=os.environ.get("VITRUM_ONNX_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "vitrum", "onnx"),
                    help="where tools/onnx/export_onnx.py puts MODEL.onnx (default: %(default)s)")
    ap.add_argument("--model", default="vit_small_patch16_224")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workloads", default="infer1,train8", help=f"comma-separated, of {', '.join(WORKLOADS)} (default: %(default)s)")
    ap.add_argument("--infer-runs", type=int, default=10)
    ap.add_argument("--train-runs", type=int, default=3)
    ap.add_argument("--no-ort", action="store_true", help="leave ONNX Runtime out")
    ap.add_argument("--baseline", help="another build's vitrum.dll, timed as one more contestant in the same rounds "
                    "(before/after figures of a change); its ratios are printed as vitrum's")
    ap.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    a = ap.parse_args()
    workloads = [w.strip() for w in a.workloads.split(",") if w.strip()]
    bad = [w for w in workloads if w not in WORKLOADS]
    if bad or not workloads or a.rounds < 1:
        ap.error(f"--workloads: unknown {', '.join(bad)}; expected a comma-separated list of {', '.join(WORKLOADS)}" if bad or not workloads
                 else "--rounds must be >= 1")

    peer_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    # PyTorch's own OpenMP threads and OpenBLAS's pthreads both busy-wait after a call and take turns on
    # the same 2 cores; with OpenMP's waiting passive PyTorch ran 1.8-2x faster here (vit_small batch-1
    # 125 ms instead of 220-300 ms, a batch-8 step 1.12-1.16 s instead of 2.0-2.2 s), its best 2-thread
    # configuration, so that is the peer.
    peer_env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    onnx = None
    if a.ort_peer and not a.no_ort and any(not WORKLOADS[w][1] for w in workloads):
        onnx = onnx_file(a.model, a.onnx_dir, peer_env)

    def commands(workload):
        batch, train = WORKLOADS[workload]
        runs = a.train_runs if train else a.infer_runs
        timing = ["--batch", str(batch), "--warmup", "2" if train else "3", "--runs", str(runs)]
        common = ["--model", a.model, "--threads", str(a.threads)] + timing + (["--train"] if train else [])
        cmds = [("vitrum", ["dotnet", a.vitrum, "bench", "model", "--json"] + common, dict(os.environ))]
        if a.baseline:
            cmds.append(("baseline", ["dotnet", a.baseline, "bench", "model", "--json"] + common, dict(os.environ)))
        if not a.no_torch:
            cmds.append(("pytorch", ["/usr/bin/python3", PEER] + common, peer_env))
        if onnx and not train:
            cmds.append(("ort", ["dotnet", a.ort_peer, "--onnx", onnx, "--model", a.model, "--threads", str(a.threads)] + timing, peer_env))
        return cmds

    results = {w: [] for w in workloads}
    for r in range(a.rounds):
        for w in workloads:
            cmds = commands(w)
            shift = r % len(cmds)
            got = {}
            for who, cmd, env in cmds[shift:] + cmds[:shift]:
                js, rss = timed(cmd, env)
                got[who] = dict(ms=js["ms_per_batch"], ips=js["images_per_s"], rss=rss)
            v = got["vitrum"]
            row = dict(got)
            line = [f"round {r + 1} {w:6s}"] + [f"{who} {x['ms']:8.1f} ms {x['ips']:6.2f} img/s {x['rss']:5.0f} MB" for who, x in got.items()]
            if "baseline" in got:
                row["speed_vs_baseline"] = got["baseline"]["ms"] / v["ms"]
                line.append(f"vs baseline {row['speed_vs_baseline']:.2f}x")
            for peer in ("pytorch", "ort"):
                if peer in got:
                    row[f"speed_vs_{peer}"] = got[peer]["ms"] / v["ms"]
                    row[f"memory_vs_{peer}"] = v["rss"] / got[peer]["rss"]
                    line.append(f"vs {peer} speed {row[f'speed_vs_{peer}']:.2f}x memory {row[f'memory_vs_{peer}']:.2f}x")
                    if "baseline" in got:
                        row[f"baseline_speed_vs_{peer}"] = got[peer]["ms"] / got["baseline"]["ms"]
                        line.append(f"baseline vs {peer} {row[f'baseline_speed_vs_{peer}']:.2f}x")
            results[w].append(row)
            print(" | ".join(line), flush=True)

    family = re.match(r"[a-z]+", a.model).group(0)
    summary = {"model": a.model, "threads": a.threads, "rounds": a.rounds}
    print(f"\n{a.model}, {a.threads} threads, medians of {a.rounds} interleaved round(s) "
          "(speed = peer time / Vitrum time; memory = Vitrum peak RSS / peer's):")
    for w, rows in results.items():
        for who in ("vitrum", "baseline", "pytorch", "ort"):
            if who in rows[0]:
                summary[f"{w}_{who}_ms"] = round(statistics.median(x[who]["ms"] for x in rows), 1)
                summary[f"{w}_{who}_rss_mb"] = round(statistics.median(x[who]["rss"] for x in rows))
        if "speed_vs_baseline" in rows[0]:
            summary[f"{w}_speed_vs_baseline"] = round(statistics.median(x["speed_vs_baseline"] for x in rows), 3)
            print(f"  {w:6s} vs the baseline build: speed {summary[f'{w}_speed_vs_baseline']:5.2f}x")
        for peer, name in (("pytorch", "PyTorch"), ("ort", "ONNX Runtime")):
            if f"speed_vs_{peer}" not in rows[0]:
                continue
            speed = statistics.median(x[f"speed_vs_{peer}"] for x in rows)
            mem = statistics.median(x[f"memory_vs_{peer}"] for x in rows)
            summary[f"{w}_speed_vs_{peer}"] = round(speed, 3)
            summary[f"{w}_memory_vs_{peer}"] = round(mem, 3)
            speed_target = TORCH_TARGETS.get((w, family)) if peer == "pytorch" else ORT_TARGET
            mem_target = 1.0 if peer == "pytorch" else None
            print(f"  {w:6s} vs {name:12s} speed {speed:5.2f}x ({verdict(speed, speed_target)}); "
                  f"peak memory {mem:.2f}x ({verdict(mem, mem_target, higher_is_better=False)})")
            if f"baseline_speed_vs_{peer}" in rows[0]:
                base = statistics.median(x[f"baseline_speed_vs_{peer}"] for x in rows)
                summary[f"{w}_baseline_speed_vs_{peer}"] = round(base, 3)
                print(f"  {w:6s} vs {name:12s} baseline build: speed {base:5.2f}x")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
