#!/usr/bin/python3
"""Vitrum vs the official DETR code (Debian's PyTorch 1.13) on DETR-R50, in interleaved rounds (issue 16's speed acceptance).

    DETR_SRC=DIR bench/detr_side_by_side.sh [--rounds 3] [--threads 2] [--size 800x1066] [--workloads infer1,train2]

Contestants, each a separate process under /usr/bin/time -v (its "Maximum resident set size" is the peak-memory
figure), each printing the JSON line of `vitrum bench model --json`:
- Vitrum: `vitrum bench model --model detr_resnet50 --size HxW` (the CLI built by ./vitrum into .vitrum-build);
- official: bench/detr_peer.py, facebookresearch/detr's own model and SetCriterion from the checkout in DETR_SRC.
Both build DETR-R50 with random weights (no checkpoint), the official defaults: 91 classes, 100 queries, aux losses.
Workloads: infer1 = inference at batch 1; train2 = a training step at batch 2 (forward, SetCriterion with Hungarian
matching on 4 fixed boxes per image, backward, gradient clipping at 0.1, AdamW), as DETR's engine.py trains.
The peer runs with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed and OMP_WAIT_POLICY=PASSIVE, as bench/side_by_side.py
runs PyTorch (its best 2-thread setting here). Each round runs every workload once per contestant, the order
alternating between rounds; the machine is shared, so the summary is the median of per-round ratios.
Speed ratio = official time / Vitrum time (> 1: Vitrum faster); memory ratio = Vitrum peak RSS / official peak RSS.
Targets (issue 16): inference >= 2x the official code, training step >= 1.5x.
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from side_by_side import timed, verdict  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "bench", "detr_peer.py")
WORKLOADS = {"infer1": (1, False), "train2": (2, True)}
TARGETS = {"infer1": 2.0, "train2": 1.5}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vitrum", required=True, help="path to the built vitrum.dll")
    ap.add_argument("--detr-src", default=os.environ.get("DETR_SRC"), help="checkout of facebookresearch/detr (default: $DETR_SRC)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", default="800x1066", help="HxW of the random images (default: %(default)s)")
    ap.add_argument("--workloads", default="infer1,train2", help=f"comma-separated, of {', '.join(WORKLOADS)} (default: %(default)s)")
    ap.add_argument("--infer-runs", type=int, default=3)
    ap.add_argument("--train-runs", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    a = ap.parse_args()
    workloads = [w.strip() for w in a.workloads.split(",") if w.strip()]
    if not workloads or any(w not in WORKLOADS for w in workloads) or a.rounds < 1:
        ap.error(f"--workloads must list some of {', '.join(WORKLOADS)}, and --rounds be >= 1")
    if not a.detr_src or not os.path.isdir(os.path.join(a.detr_src, "models")):
        ap.error("set DETR_SRC (or --detr-src) to a checkout of facebookresearch/detr (a directory holding models/ and util/)")
    h, w = (int(v) for v in a.size.lower().split("x"))

    peer_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    peer_env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    peer_env["DETR_SRC"] = a.detr_src

    def commands(workload):
        batch, train = WORKLOADS[workload]
        timing = ["--batch", str(batch), "--warmup", str(a.warmup), "--runs", str(a.train_runs if train else a.infer_runs),
                  "--threads", str(a.threads)] + (["--train"] if train else [])
        return [("vitrum", ["dotnet", a.vitrum, "bench", "model", "--model", "detr_resnet50", "--size", f"{h}x{w}", "--json"] + timing, dict(os.environ)),
                ("official", ["/usr/bin/python3", PEER, "--height", str(h), "--width", str(w)] + timing, peer_env)]

    results = {wl: [] for wl in workloads}
    for r in range(a.rounds):
        for wl in workloads:
            cmds = commands(wl)
            if r % 2:
                cmds.reverse()
            got = {}
            for who, cmd, env in cmds:
                js, rss = timed(cmd, env)
                got[who] = dict(ms=js["ms_per_batch"], rss=rss)
            v, o = got["vitrum"], got["official"]
            row = dict(got, speed=o["ms"] / v["ms"], memory=v["rss"] / o["rss"])
            results[wl].append(row)
            print(f"round {r + 1} {wl:6s} | vitrum {v['ms']:9.1f} ms {v['rss']:6.0f} MB | official {o['ms']:9.1f} ms {o['rss']:6.0f} MB"
                  f" | speed {row['speed']:.2f}x memory {row['memory']:.2f}x", flush=True)

    summary = {"model": "detr_resnet50", "size": [h, w], "threads": a.threads, "rounds": a.rounds}
    print(f"\nDETR-R50 at {h}x{w}, {a.threads} threads, medians of {a.rounds} interleaved round(s) "
          "(speed = official time / Vitrum time; memory = Vitrum peak RSS / official's):")
    for wl, rows in results.items():
        speed = statistics.median(x["speed"] for x in rows)
        memory = statistics.median(x["memory"] for x in rows)
        for who in ("vitrum", "official"):
            summary[f"{wl}_{who}_ms"] = round(statistics.median(x[who]["ms"] for x in rows), 1)
            summary[f"{wl}_{who}_rss_mb"] = round(statistics.median(x[who]["rss"] for x in rows))
        summary[f"{wl}_speed_vs_official"] = round(speed, 3)
        summary[f"{wl}_memory_vs_official"] = round(memory, 3)
        print(f"  {wl:6s} Vitrum {summary[f'{wl}_vitrum_ms']:9.1f} ms, official {summary[f'{wl}_official_ms']:9.1f} ms: "
              f"speed {speed:5.2f}x ({verdict(speed, TARGETS[wl])}); peak memory {memory:.2f}x")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
