"""Prints the tables of docs/distributed.md: the step time of data-parallel training over N nodes (ring all-reduce
in DDP buckets, overlapped with the backward pass). Pure Python; run with /usr/bin/python3 tools/distributed_cost.py."""

MB = 1 << 20
# trainable parameters (millions), training GFLOP per image (3 x forward), global batch of the usual recipe
MODELS = {
    "ViT-S/16": (22.05, 3 * 9.2, 1024),
    "ViT-B/16": (86.57, 3 * 35.1, 1024),
    "Swin-T": (28.29, 3 * 9.0, 1024),
    "DETR-R50": (41.28, 3 * 86.0, 64),
}
NODE_GFLOPS = {"2-core node (measured here)": 240.0, "64-core node (32x)": 32 * 240.0}
LINKS = {"10 Gb/s": (10e9, 20e-6), "25 Gb/s": (25e9, 10e-6), "100 Gb/s": (100e9, 2e-6)}
NODES = [1, 2, 4, 8, 16, 32, 64]


def buckets(nbytes, cap=25 * MB, first=1 * MB):
    out, left, size = [], nbytes, first
    while left > 0:
        out.append(min(size, left))
        left -= out[-1]
        size = cap
    return out


def ring(nbytes, n, bandwidth, latency):
    """One ring all-reduce: reduce-scatter then all-gather, 2(N-1) steps of nbytes/N each."""
    return 0.0 if n == 1 else 2 * (n - 1) / n * nbytes * 8 / bandwidth + 2 * (n - 1) * latency


def step(model, node, n, link):
    params, gflop, batch = MODELS[model]
    compute = batch * gflop / NODE_GFLOPS[node] / n
    bw, lat = LINKS[link]
    comm = [ring(b, n, bw, lat) for b in buckets(params * 1e6 * 4)]
    forward, backward = compute / 3, 2 * compute / 3
    # Buckets but the last (the first layers) run under the backward pass; the last one after it.
    overlapped = forward + max(backward, sum(comm[:-1])) + comm[-1]
    return compute, sum(comm), overlapped, forward + backward + sum(comm)


for node in NODE_GFLOPS:
    print(f"\n### {node}\n")
    for model in MODELS:
        params, _, batch = MODELS[model]
        print(f"\n{model}: {params * 4:.0f} MB of gradients in {len(buckets(params * 4e6))} buckets, global batch {batch}\n")
        print("| nodes | compute / N | all-reduce 10 / 25 / 100 Gb/s | step with overlap 10 / 25 / 100 | efficiency 10 / 25 / 100 |")
        print("|---|---|---|---|---|")
        for n in NODES:
            rows = [step(model, node, n, link) for link in LINKS]
            c = rows[0][0]
            single = step(model, node, 1, "10 Gb/s")[2]
            print(f"| {n} | {c:.3g} s | " + " / ".join(f"{r[1] * 1e3:.0f} ms" for r in rows) + " | "
                  + " / ".join(f"{r[2]:.3g} s" for r in rows) + " | " + " / ".join(f"{single / n / r[2]:.0%}" for r in rows) + " |")
