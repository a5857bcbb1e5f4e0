"""The exported project's batch norm synchronised over two Gloo processes must compute what one process computes on the
whole batch: the same spikes, gradients and running statistics. In float64, so that a disagreement is the algebra's
and not the order of float sums; without synchronisation the same comparison must fail, or the check says nothing.

usage: python3 torch_sync_bn.py PROJECT_DIR      (prints one JSON line: the largest relative differences)
"""
import copy
import json
import os
import sys
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

project = sys.argv[1]
sys.path.insert(0, project)
from dsr import SpikingNeuron  # noqa: E402
from models import build_model  # noqa: E402
from sync_bn import convert_sync_batchnorm  # noqa: E402

B, WORLD = 8, 2


def setup():
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    with open(os.path.join(project, "recipe.json")) as f:
        recipe = json.load(f)
    cfg = recipe["config"]
    torch.manual_seed(3)  # the model's own initialisation, the same in every process
    model = build_model(cfg, (1, 12, 12), recipe["classes"])
    for m in model.modules():  # gains that make every layer fire at some but not all steps on this input
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.weight.data.fill_(1.5)
    g = torch.Generator().manual_seed(7)
    x = torch.randn(B, 1, 12, 12, generator=g)
    y = torch.randint(0, recipe["classes"], (B,), generator=g)
    return cfg["T"], model, x, y


def run(model, x, y, T):
    """Forward and backward; returns the spikes of every neuron layer (time-major rows), the gradients, the buffers."""
    spikes = {}
    inner = model.module if isinstance(model, DDP) else model
    for name, m in inner.named_modules():
        if isinstance(m, SpikingNeuron):
            m.register_forward_hook(lambda _m, _i, out, name=name: spikes.__setitem__(name, out.detach().clone()))
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in inner.named_parameters()}
    buffers = {n: b.detach().clone() for n, b in inner.named_buffers() if "running" in n}
    return {"spikes": spikes, "grads": grads, "buffers": buffers}


def rank_main(rank, init_file, out_dir, sync):
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    T, model, x, y = setup()
    if sync:
        model = convert_sync_batchnorm(model)
    share = B // WORLD
    part = slice(rank * share, (rank + 1) * share)
    result = run(DDP(model), x[part], y[part], T)
    torch.save(result, os.path.join(out_dir, f"rank{rank}.pt"))
    dist.destroy_process_group()


def compare(single, ranks, T):
    """Largest relative difference of gradients and running statistics; count of differing spikes."""
    worst, differing = {}, 0
    share = B // WORLD
    for name, full in single["spikes"].items():
        rows = full.reshape(T, B, -1)
        joined = torch.cat([r["spikes"][name].reshape(T, share, -1) for r in ranks], dim=1)
        differing += int((rows != joined).sum().item())
    # every conv/linear bias here feeds a batch norm: its gradient is 0 in exact arithmetic, so it is measured
    # against the largest gradient, not against its own rounding residue
    largest = max(g.abs().max().item() for g in single["grads"].values())
    for kind in ("grads", "buffers"):
        for name, want in single[kind].items():
            got = ranks[0][kind][name]
            before_bn = kind == "grads" and name.endswith(".bias") and name.replace(".bias", ".running_mean") not in single["buffers"]
            scale = largest if before_bn else max(want.abs().max().item(), 1e-30)
            worst[f"{kind[:-1]}.{name}"] = (got - want).abs().max().item() / scale
    return differing, worst


def main():
    T, model, x, y = setup()
    single = run(copy.deepcopy(model), x, y, T)
    report = {}
    for sync in (True, False):
        with tempfile.TemporaryDirectory() as d:
            mp.spawn(rank_main, args=(os.path.join(d, "init"), d, sync), nprocs=WORLD, join=True)
            ranks = [torch.load(os.path.join(d, f"rank{r}.pt")) for r in range(WORLD)]
        differing, worst = compare(single, ranks, T)
        key = "synced" if sync else "unsynced"
        report[key] = {
            "spikesDiffering": differing,
            "largestRelativeDifference": max(worst.values()),
            "worst": max(worst, key=worst.get),
        }
    report["fired"] = {n: (s != 0).double().mean().item() for n, s in single["spikes"].items()}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
