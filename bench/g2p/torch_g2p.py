"""PyTorch peer of `vitrum train --model g2p_transformer --dataset cmudict` (benchmark only: never run by tests or CI).

It rebuilds Vitrum's CMUdict pipeline (same vocabularies, same FNV-1a split, length-bucketed batches,
label smoothing, Noam schedule, greedy decoding, WER/PER against all of a word's pronunciations) on
torch.nn.Transformer, to measure tokens/s of the peer on this machine and to get a quick signal of
which model size and recipe reach a WER within a time budget.

    /usr/bin/python3 bench/g2p/torch_g2p.py --dict ~/.cache/vitrum/npm/cmu-pronouncing-dictionary-3.0.0/package/index.js \
        --d-model 128 --ffn 512 --layers 3 --minutes 50 --threads 1
"""
import argparse, json, math, random, re, time

import torch
import torch.nn as nn

PHONES = "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()
LETTERS = list("abcdefghijklmnopqrstuvwxyz'")
PAD, BOS, EOS = 0, 1, 2
SRC = {c: i + 4 for i, c in enumerate(LETTERS)}
TGT = {p: i + 4 for i, p in enumerate(PHONES)}


def fnv1a(word):
    h = 0xcbf29ce484222325
    for b in word.encode("utf-8"):
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def load(path):
    text = open(path, encoding="utf-8").read()
    d = json.loads(text[text.index("= {") + 2: text.rindex("}") + 1])
    words = {}
    for key, pron in d.items():
        w = re.sub(r"\(\d+\)$", "", key)
        if not all(c in SRC for c in w):
            continue
        ph = tuple(re.sub(r"\d", "", p) for p in pron.split("#")[0].split())
        words.setdefault(w, [])
        if ph not in words[w]:
            words[w].append(ph)
    split = {"train": [], "valid": [], "test": []}
    for w in sorted(words):
        b = fnv1a(w) % 100
        split["train" if b < 90 else "valid" if b < 95 else "test"].append((w, words[w]))
    return split


def batches(pairs, max_tokens, rng):
    pairs = sorted(pairs, key=lambda p: (len(p[0]), len(p[1]), rng.random()))
    out, cur, longest = [], [], 0
    for p in pairs:
        longest2 = max(longest, len(p[0]), len(p[1]) + 1)
        if cur and longest2 * (len(cur) + 1) > max_tokens:
            out.append(cur)
            cur, longest2 = [], max(len(p[0]), len(p[1]) + 1)
        cur.append(p)
        longest = longest2
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def tensorize(batch):
    S = max(len(w) for w, _ in batch)
    T = max(len(p) for _, p in batch) + 1
    src = torch.zeros(len(batch), S, dtype=torch.long)
    tin = torch.zeros(len(batch), T, dtype=torch.long)
    tout = torch.zeros(len(batch), T, dtype=torch.long)
    for i, (w, p) in enumerate(batch):
        src[i, :len(w)] = torch.tensor([SRC[c] for c in w])
        ids = [TGT[x] for x in p]
        tin[i, :len(ids) + 1] = torch.tensor([BOS] + ids)
        tout[i, :len(ids) + 1] = torch.tensor(ids + [EOS])
    return src, tin, tout


class Model(nn.Module):
    def __init__(self, d, h, layers, ffn, dropout, norm_first):
        super().__init__()
        self.d = d
        self.src_embed = nn.Embedding(len(SRC) + 4, d, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(len(TGT) + 4, d, padding_idx=PAD)
        self.transformer = nn.Transformer(d, h, layers, layers, ffn, dropout, batch_first=True, norm_first=norm_first)
        self.generator = nn.Linear(d, len(TGT) + 4)
        pe = torch.zeros(64, d)
        pos = torch.arange(64).unsqueeze(1).float()
        div = torch.exp(torch.arange(0, d, 2).float() * (-math.log(10000.0) / d))
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe)
        self.drop = nn.Dropout(dropout)

    def embed(self, e, x):
        return self.drop(e(x) * math.sqrt(self.d) + self.pe[: x.shape[1]])

    def encode(self, src):
        return self.transformer.encoder(self.embed(self.src_embed, src), src_key_padding_mask=src == PAD)

    def decode(self, mem, src, tgt):
        T = tgt.shape[1]
        mask = torch.triu(torch.full((T, T), float("-inf")), 1)
        y = self.transformer.decoder(self.embed(self.tgt_embed, tgt), mem, tgt_mask=mask,
                                     tgt_key_padding_mask=tgt == PAD, memory_key_padding_mask=src == PAD)
        return self.generator(y)

    def forward(self, src, tgt):
        return self.decode(self.encode(src), src, tgt)


def edit(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


@torch.no_grad()
def evaluate(model, items, bs=500):
    model.eval()
    wrong, errs, ref_len = 0, 0, 0
    for i in range(0, len(items), bs):
        chunk = items[i: i + bs]
        S = max(len(w) for w, _ in chunk)
        src = torch.zeros(len(chunk), S, dtype=torch.long)
        for k, (w, _) in enumerate(chunk):
            src[k, :len(w)] = torch.tensor([SRC[c] for c in w])
        mem = model.encode(src)
        ys = torch.full((len(chunk), 1), BOS, dtype=torch.long)
        done = torch.zeros(len(chunk), dtype=torch.bool)
        for _ in range(S + 8):
            nxt = model.decode(mem, src, ys)[:, -1].argmax(-1)
            nxt[done] = PAD
            ys = torch.cat([ys, nxt[:, None]], 1)
            done |= nxt == EOS
            if done.all():
                break
        inv = {v: k for k, v in TGT.items()}
        for k, (w, refs) in enumerate(chunk):
            hyp = []
            for t in ys[k, 1:].tolist():
                if t in (EOS, PAD):
                    break
                hyp.append(inv.get(t, "?"))
            dists = [(edit(hyp, r), len(r)) for r in refs]
            d, n = min(dists)
            wrong += d > 0
            errs += d
            ref_len += n
    model.train()
    return wrong / len(items), errs / ref_len


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dict", required=True)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--ffn", type=int, default=1024)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--post-norm", action="store_true")
    ap.add_argument("--max-tokens", type=int, default=3000, help="padded target-side tokens per batch")
    ap.add_argument("--factor", type=float, default=1.0)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--minutes", type=float, default=50)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--eval-words", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--subset", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    split = load(a.dict)
    train = [(w, p) for w, ps in split["train"] for p in ps]
    if a.subset:
        train = train[:: max(1, len(train) // a.subset)]
    valid = split["valid"][:: max(1, len(split["valid"]) // a.eval_words)]
    print(json.dumps({k: len(v) for k, v in split.items()} | {"train_pairs": len(train)}), flush=True)
    model = Model(a.d_model, a.heads, a.layers, a.ffn, a.dropout, not a.post_norm)
    print("params", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=1, betas=(0.9, 0.98), eps=1e-9)
    noam = lambda s: a.factor * a.d_model ** -0.5 * min((s + 1) ** -0.5, (s + 1) * a.warmup ** -1.5)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, noam)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=a.smoothing)
    rng = random.Random(0)
    start = time.time()
    tokens, step, epoch = 0, 0, 0
    train_time = 0.0
    while time.time() - start < a.minutes * 60:
        for b in batches(train, a.max_tokens, rng):
            t0 = time.time()
            src, tin, tout = tensorize(b)
            logits = model(src, tin)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            train_time += time.time() - t0
            tokens += int((src != PAD).sum() + (tout != PAD).sum())
            step += 1
            if step % a.eval_every == 0:
                wer, per = evaluate(model, valid)
                print(json.dumps({"step": step, "epoch": round(epoch + 0.0, 2), "tokens": tokens, "loss": round(loss.item(), 4),
                                  "lr": sched.get_last_lr()[0], "valid_wer": round(wer, 4), "valid_per": round(per, 4),
                                  "tokens_per_s": round(tokens / train_time), "minutes": round((time.time() - start) / 60, 1)}), flush=True)
            if time.time() - start > a.minutes * 60:
                break
        epoch += 1
        print(json.dumps({"epoch_done": epoch, "tokens": tokens, "minutes": round((time.time() - start) / 60, 1)}), flush=True)
    wer, per = evaluate(model, split["valid"])
    print(json.dumps({"final_valid_wer": wer, "final_valid_per": per, "steps": step, "epochs": epoch, "tokens": tokens}), flush=True)


if __name__ == "__main__":
    main()
