#!/usr/bin/python3
"""Sampling with a KV cache in plain PyTorch Python eager, for side-by-side throughput.

The reference model of pytorch_reference.py (the same architecture as the engine's for the
bench experiments), decoded the way a lean eager sampler does it: the prompt prefilled once
under inference_mode, its keys and values repeated for the group, then one token per step
for every row: log-softmax at the temperature, the entropy and the chosen token's log-prob
(what an RL sampler returns), a multinomial draw. Timing: best of --repeats after one
warm-up, the whole group of --batch completions of --new-tokens each. Prints one JSON object.

Usage: pytorch_sampler.py RESOLVED_CONFIG.json [--batch B] [--new-tokens N]
       [--prompt-tokens P] [--repeats R] [--threads N]
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import LM, unsupported  # noqa: E402


def rope(x, cos, sin):
    half = x.size(-1) // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)


def attend(attn, x, cache, pos):
    """Attention of x [b, t, d] at positions pos.. over the cached keys and values."""
    b, t, d = x.shape
    q, k, v = attn.qkv(x).view(b, t, 3, attn.h, attn.hd).permute(2, 0, 3, 1, 4)
    cos, sin = attn.cos[pos:pos + t], attn.sin[pos:pos + t]
    q, k = rope(q, cos, sin), rope(k, cos, sin)
    if cache:
        k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
    cache[:] = [k, v]
    s = q @ k.transpose(-2, -1) / math.sqrt(attn.hd)
    if t > 1:
        future = torch.ones(t, k.size(2), dtype=torch.bool).triu(k.size(2) - t + 1)
        s = s.masked_fill(future, float("-inf"))
    out = F.softmax(s, -1) @ v
    return attn.proj(out.transpose(1, 2).reshape(b, t, d))


def decode(model, tokens, caches, pos):
    x = model.embed(tokens)
    for block, cache in zip(model.blocks, caches):
        h = x + attend(block.attn, block.attn_norm(x), cache, pos)
        n = block.ffn_norm(h)
        if block.mlp is not None:
            x = h + block.mlp(n)
        else:
            y, _ = block.moe(n.reshape(-1, n.size(-1)))
            x = h + y.view_as(h)
    return model.norm(x[:, -1]) @ model.embed.weight.t()


def sample(model, prompt, batch, new_tokens, temperature, gen):
    with torch.inference_mode():
        caches = [[] for _ in model.blocks]
        logits = decode(model, prompt.view(1, -1), caches, 0).repeat(batch, 1)
        for c in caches:
            c[:] = [t.repeat(batch, 1, 1, 1) for t in c]
        tokens, logps, ents = [], [], []
        for step in range(new_tokens):
            logp = F.log_softmax(logits / temperature, -1)
            ents.append(-(logp.exp() * logp).sum(-1))
            tok = torch.multinomial(logp.exp(), 1, generator=gen)
            logps.append(logp.gather(-1, tok))
            tokens.append(tok)
            logits = decode(model, tok, caches, prompt.numel() + step)
        return torch.cat(tokens, 1), torch.cat(logps, 1), torch.stack(ents, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--prompt-tokens", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    cfg = json.load(open(a.config))
    m, t = cfg["model"], cfg["train"]
    bad = unsupported(m, t)
    if bad:
        raise SystemExit("pytorch_sampler.py: settings not mirrored here: " + ", ".join(bad))
    m["max_seq_len"] = max(m["max_seq_len"], a.prompt_tokens + a.new_tokens)
    threads = a.threads if a.threads is not None else t["threads"]
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(t["seed"])
    model = LM(m).eval()
    prompt = torch.randint(32, 127, (a.prompt_tokens,))
    gen = torch.Generator().manual_seed(0)
    sample(model, prompt, a.batch, a.new_tokens, 1.0, gen)  # warm-up
    best = 1e30
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        sample(model, prompt, a.batch, a.new_tokens, 1.0, gen)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch,
                      "new_tokens": a.new_tokens, "ms": best * 1e3,
                      "tokens_per_s": a.batch * a.new_tokens / best}))


if __name__ == "__main__":
    main()
