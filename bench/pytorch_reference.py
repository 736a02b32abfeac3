#!/usr/bin/python3
"""The engine's model written in plain PyTorch Python, for side-by-side throughput.

Same architecture as gpu/ for the settings the bench experiments use (byte vocabulary,
RMSNorm, causal MHA with half-split RoPE and an explicit softmax, SwiGLU or a softmax top-k
MoE with renormalised weights, sorted dispatch and the batch-level aux loss, tied head),
the same AdamW parameter groups, clipping, and the same timing: forward, backward and
optimizer of `--steps` steps after `--warmup`, data excluded. Prints one JSON object.

Usage: pytorch_reference.py RESOLVED_CONFIG.json [--steps N] [--warmup N] [--threads N]
(resolve a config with `r1wb-run validate CONFIG --print`).
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Attention(nn.Module):
    def __init__(self, d, heads, max_seq, theta):
        super().__init__()
        self.h, self.hd = heads, d // heads
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.proj = nn.Linear(d, d, bias=False)
        half = self.hd // 2
        inv = theta ** (-torch.arange(0, half, dtype=torch.float64) / half)
        ang = torch.outer(torch.arange(max_seq, dtype=torch.float64), inv)
        self.register_buffer("cos", ang.cos().float(), persistent=False)
        self.register_buffer("sin", ang.sin().float(), persistent=False)

    def rope(self, x):
        t, half = x.size(2), self.hd // 2
        cos, sin = self.cos[:t], self.sin[:t]
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        q, k = self.rope(q), self.rope(k)
        s = q @ k.transpose(-2, -1) / math.sqrt(self.hd)
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        s = s.masked_fill(future, float("-inf"))
        out = F.softmax(s, -1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, t, d))


class SwiGLU(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.w_gate = nn.Linear(d, hidden, bias=False)
        self.w_up = nn.Linear(d, hidden, bias=False)
        self.w_down = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        return self.w_down(F.silu(self.w_gate(x)) * self.w_up(x))


class Moe(nn.Module):
    def __init__(self, d, experts, k, hidden):
        super().__init__()
        self.e, self.k = experts, k
        self.router = nn.Linear(d, experts, bias=False)
        self.w_gate = nn.Parameter(torch.randn(experts, hidden, d) * 0.02)
        self.w_up = nn.Parameter(torch.randn(experts, hidden, d) * 0.02)
        self.w_down = nn.Parameter(torch.randn(experts, d, hidden) * 0.02)

    def forward(self, x):
        n = x.size(0)
        probs = F.softmax(self.router(x).float(), -1)
        top_p, top_i = probs.topk(self.k, -1)
        weights = top_p / top_p.sum(-1, keepdim=True)
        flat = top_i.reshape(-1)
        order = flat.sort(stable=True).indices
        token_of = order // self.k
        counts = torch.bincount(flat, minlength=self.e).tolist()
        xs = x.index_select(0, token_of)
        outs, off = [], 0
        for e, c in enumerate(counts):
            if c:
                h = xs[off:off + c]
                outs.append((F.silu(h @ self.w_gate[e].t()) * (h @ self.w_up[e].t())) @ self.w_down[e].t())
            off += c
        w = weights.reshape(-1).index_select(0, order).unsqueeze(1)
        y = torch.zeros_like(x).index_add(0, token_of, torch.cat(outs) * w)
        load = torch.tensor(counts, dtype=torch.float32) / (n * self.k)
        aux = self.e * (load * probs.mean(0)).sum()
        return y, aux


class Block(nn.Module):
    def __init__(self, m, layer):
        super().__init__()
        self.attn_norm = RMSNorm(m["d_model"], m["norm_eps"])
        self.attn = Attention(m["d_model"], m["n_heads"], m["max_seq_len"], m["rope_theta"])
        self.ffn_norm = RMSNorm(m["d_model"], m["norm_eps"])
        moe = m["ffn"] == "moe" and layer >= m["first_k_dense"]
        mc = m["moe"]
        self.moe = Moe(m["d_model"], mc["num_experts"], mc["top_k"], mc["expert_hidden"]) if moe else None
        self.mlp = None if moe else SwiGLU(m["d_model"], m["ffn_hidden"])

    def forward(self, x):
        h = x + self.attn(self.attn_norm(x))
        n = self.ffn_norm(h)
        if self.mlp is not None:
            return h + self.mlp(n), None
        y, aux = self.moe(n.reshape(-1, n.size(-1)))
        return h + y.view_as(h), aux


class LM(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.embed = nn.Embedding(m["vocab_size"], m["d_model"])
        self.blocks = nn.ModuleList(Block(m, i) for i in range(m["n_layers"]))
        self.norm = RMSNorm(m["d_model"], m["norm_eps"])

    def forward(self, tokens):
        x = self.embed(tokens)
        auxes = []
        for b in self.blocks:
            x, aux = b(x)
            if aux is not None:
                auxes.append(aux)
        logits = self.norm(x) @ self.embed.weight.t()
        return logits, (sum(auxes) / len(auxes) if auxes else torch.zeros(()))


def unsupported(m, t):
    mc = m["moe"]
    checks = {
        "train.grad_accum": t["grad_accum"] == 1,
        "model.tokenizer": m["tokenizer"] == "byte",
        "model.tie_embeddings": m["tie_embeddings"],
        "model.moe.score_func": mc["score_func"] == "softmax",
        "model.moe.renormalize": mc["renormalize"],
        "model.moe.num_shared_experts": mc["num_shared_experts"] == 0,
        "model.moe.n_groups": mc["n_groups"] == 1,
        "model.moe.bias_update_speed": mc["bias_update_speed"] == 0,
        "model.moe.capacity_factor": mc["capacity_factor"] == 0,
        "model.moe.dynamic_k_max": mc["dynamic_k_max"] == 0,
        "model.moe.shared_input_proj": not mc["shared_input_proj"],
    }
    return [k for k, ok in checks.items() if not ok]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    cfg = json.load(open(a.config))
    m, t, d = cfg["model"], cfg["train"], cfg["data"]
    bad = unsupported(m, t)
    if bad:
        raise SystemExit("pytorch_reference.py: settings not mirrored here: " + ", ".join(bad))
    threads = a.threads if a.threads is not None else t["threads"]
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(t["seed"])
    model = LM(m)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embed" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "embed" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": t["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=t["lr"], betas=(t["beta1"], t["beta2"]), eps=t["eps"])
    aux_w = m["moe"]["aux_loss_weight"]
    b, s = t["batch_size"], d["seq_len"]
    gen = torch.Generator().manual_seed(d["seed"])
    fwd = bwd = step = 0.0
    for i in range(a.warmup + a.steps):
        tokens = torch.randint(32, 127, (b, s + 1), generator=gen)
        inp, tgt, mask = tokens[:, :-1], tokens[:, 1:], torch.ones(b, s)
        opt.zero_grad(set_to_none=False)
        t0 = time.perf_counter()
        logits, aux = model(inp)
        ce = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1), reduction="none")
        loss = (ce * mask.reshape(-1)).sum() / mask.sum() + aux_w * aux
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        if t["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), t["grad_clip"])
        opt.step()
        t3 = time.perf_counter()
        if i >= a.warmup:
            fwd += (t1 - t0) / a.steps
            bwd += (t2 - t1) / a.steps
            step += (t3 - t2) / a.steps
    total = fwd + bwd + step
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "steps": a.steps,
                      "tokens_per_s": b * s / total, "forward_ms": fwd * 1e3, "backward_ms": bwd * 1e3,
                      "optimizer_ms": step * 1e3, "step_ms": total * 1e3}))


if __name__ == "__main__":
    main()
