"""DSR training under torchrun with DistributedDataParallel: the recipe in recipe.json is the default of every flag.

  torchrun --nproc_per_node N train.py --data-dir DIR --out runs/a      (one node, N processes: NCCL on GPUs, else Gloo)
  torchrun --nnodes M --node_rank R --rdzv_endpoint HOST:PORT --nproc_per_node N train.py ...   (several nodes)

The validation images spikerep holds out of the training set (the same ones, drawn by --seed) are held out here too;
each rank reads its own shard of the rest (DistributedSampler, reshuffled by epoch from --seed); the global batch is
the recipe's batchSize, split evenly over the ranks. Batch norm pools T×B rows per rank, or over all ranks
with --sync-bn (SyncBatchNorm on GPUs, sync_bn.py elsewhere). Rank 0 writes checkpoint.safetensors (the last epoch's weights, spikerep's names and
layout: NCHW), best.safetensors (the epoch with the best validation accuracy; the test set only reports) and
resume.pt (optimiser, epoch) after every epoch; --resume continues from them.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, Sampler, Subset

from cifar_bin import CifarImages
from dvs_datasets import DVS_DATASETS, open_event_frames
from mnist_idx import Images
from models import build_model, load_weights, weights_of
from safetensors_io import load_file, save_file
from spikerep_order import EpochOrders, split_indices
from sync_bn import convert_sync_batchnorm

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(recipe):
    c = recipe["config"]
    p = argparse.ArgumentParser(description=recipe.get("description", "DSR training"))
    p.add_argument("--data-dir", required=True, help="the dataset's folder (IDX files, CIFAR batches or event files)")
    p.add_argument("--out", default="run", help="folder for checkpoint.safetensors, resume.pt, log.jsonl")
    p.add_argument("--init", default=os.path.join(HERE, "weights.safetensors"), help="start from these weights if the file exists")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.safetensors and OUT/resume.pt")
    p.add_argument("--epochs", type=int, default=c["epochs"])
    p.add_argument("--batch-size", type=int, default=c["batchSize"], help="global batch, split over the ranks")
    p.add_argument("--lr", type=float, default=c["lr"])
    p.add_argument("--optimizer", choices=["sgd", "adam"], default=c.get("optimizer", "sgd"))
    p.add_argument("--momentum", type=float, default=c["momentum"], help="SGD momentum")
    p.add_argument("--weight-decay", type=float, default=c["weightDecay"])
    p.add_argument("--warmup", dest="warmup_iters", type=int, default=c["warmupIters"], help="warm-up iterations")
    p.add_argument("--schedule", choices=["cosine", "cosine-step"], default=c["schedule"])
    p.add_argument("--crop-pad", type=int, default=c["cropPad"])
    p.add_argument("--sync-bn", action=argparse.BooleanOptionalAction, default=c.get("syncBatchNorm", False))
    p.add_argument("--seed", type=int, default=c["seed"])
    p.add_argument("--train-limit", type=int, default=c.get("trainLimit"))
    p.add_argument("--test-limit", type=int, default=c.get("testLimit"))
    p.add_argument("--order", choices=["random", "spikerep"], default="random",
                   help="random: DistributedSampler's shuffle; spikerep: the batches a spikerep run with this seed trains on, "
                        "each split over the ranks (its validation hold-out included; crops and flips still differ)")  # fmt: skip
    p.add_argument("--val-split", type=int, default=c.get("valSplit"),
                   help="training images held out (drawn by --seed, as spikerep draws them) to choose the best epoch; 0: none")  # fmt: skip
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (smoke tests)")
    p.add_argument("--threads", type=int, default=None, help="torch threads per process")
    p.add_argument("--workers", type=int, default=0, help="data-loading processes per rank (event files parse on read)")
    return p.parse_args()


def learning_rate(a, epoch, it, steps_per_epoch):
    """The recipe's schedule: cosine by epoch (the paper's) or by step, times a linear warm-up (spikerep optim/schedule.ts)."""
    if a.schedule == "cosine":
        lr = 0.5 * a.lr * (1 + math.cos(math.pi * epoch / a.epochs))
    else:
        total = a.epochs * steps_per_epoch
        lr = 0.5 * a.lr * (1 + math.cos(math.pi * min(it, total) / total))
    return lr * (it + 1) / a.warmup_iters if it < a.warmup_iters else lr


class SpikerepBatches:
    """This rank's share of spikerep's batches: epoch e's order cut into global batches, each split into equal
    contiguous shares (a last batch too small to give every rank a share is left out)."""

    def __init__(self, orders, batch_size, rank, world):
        self.orders, self.batch, self.rank, self.world, self.e = orders, batch_size, rank, world, 0

    def set_epoch(self, e):
        self.e = e

    def __iter__(self):
        order = self.orders.epoch(self.e)
        for s in range(0, len(order), self.batch):
            b = order[s : s + self.batch]
            share = len(b) // self.world
            if share > 0:
                yield b[self.rank * share : (self.rank + 1) * share]

    def __len__(self):
        n = len(self.orders.indices)
        return n // self.batch + (1 if (n % self.batch) // self.world > 0 else 0)


class Shard(Sampler):
    """Rank r's share of an evaluation set: items r, r + N, r + 2N, … (no padding, so the summed counts are exact)."""

    def __init__(self, n, rank, world):
        self.items = range(rank, n, world)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def evaluate(model, loader, device):
    model.eval()
    counts = torch.zeros(2, dtype=torch.float64, device=device)
    with torch.no_grad():
        for x, y in loader:
            logits = model(x.to(device))
            counts += torch.tensor([(logits.argmax(1).cpu() == y).sum().item(), len(y)], dtype=torch.float64, device=device)
    dist.all_reduce(counts)
    model.train()
    return (counts[0] / counts[1]).item()


def main():
    with open(os.path.join(HERE, "recipe.json")) as f:
        recipe = json.load(f)
    a = parse_args(recipe)
    cfg = recipe["config"]
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.batch_size % world:
        raise SystemExit(f"--batch-size {a.batch_size} does not split evenly over {world} processes")
    torch.manual_seed(a.seed)

    d = cfg["dataset"]
    if d in DVS_DATASETS:
        flip = cfg.get("flip", False)
        train_set = open_event_frames(d, a.data_dir, "train", cfg["T"], a.crop_pad, flip)
        plain_train = open_event_frames(d, a.data_dir, "train", cfg["T"])  # validation: no crop, no flip
        test_set = open_event_frames(d, a.data_dir, "test", cfg["T"], limit=a.test_limit)
    elif d.startswith("cifar"):
        train_set = CifarImages(a.data_dir, "train", d, a.crop_pad, cfg.get("flip", False))
        plain_train = CifarImages(a.data_dir, "train", d, 0, False)
        test_set = CifarImages(a.data_dir, "test", d, 0, False, a.test_limit)
    else:
        train_set = Images(a.data_dir, "train", d, a.crop_pad)
        plain_train = Images(a.data_dir, "train", d, 0)
        test_set = Images(a.data_dir, "test", d, 0, a.test_limit)
    # spikerep's hold-out first, then the --train-limit first images of the rest, as spikerep takes them
    indices, held_out = split_indices(d, len(train_set), a.seed, a.train_limit, a.val_split)
    if a.order == "spikerep":
        sampler = SpikerepBatches(EpochOrders(indices, a.seed), a.batch_size, rank, world)
        train = DataLoader(train_set, batch_sampler=sampler, num_workers=a.workers)
    else:
        shard = Subset(train_set, indices)
        sampler = DistributedSampler(shard, world, rank, shuffle=True, seed=a.seed, drop_last=True)
        train = DataLoader(shard, a.batch_size // world, sampler=sampler, drop_last=True, num_workers=a.workers)

    def evaluation(dataset):
        b = cfg.get("testBatchSize", 256)
        return DataLoader(dataset, b, sampler=Shard(len(dataset), rank, world), num_workers=a.workers)

    test = evaluation(test_set)
    val = evaluation(Subset(plain_train, held_out)) if held_out else None

    input_shape = train_set.input_shape if cfg["dataset"] in DVS_DATASETS else tuple(train_set.images.shape[1:])
    model = build_model(cfg, input_shape, recipe["classes"])
    os.makedirs(a.out, exist_ok=True)
    ckpt, resume = os.path.join(a.out, "checkpoint.safetensors"), os.path.join(a.out, "resume.pt")
    best_ckpt = os.path.join(a.out, "best.safetensors")
    start_epoch, it, best = 0, 0, {"epoch": 0, "validationAccuracy": -1.0}
    if a.resume:
        load_weights(model, load_file(ckpt))
    elif os.path.exists(a.init):
        load_weights(model, load_file(a.init))
    if a.sync_bn:  # PyTorch's SyncBatchNorm is GPU-only; sync_bn.py does the same over Gloo
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model) if cuda else convert_sync_batchnorm(model)
    model.to(device)
    # every parameter, thresholds included, gets momentum and weight decay (docs/method.md §2.4)
    if a.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    if a.resume:
        state = torch.load(resume, map_location="cpu")
        opt.load_state_dict(state["optimizer"])
        start_epoch, it, best = state["epoch"], state["iteration"], state.get("best", best)
    net = DDP(model, device_ids=[local] if cuda else None)

    for epoch in range(start_epoch, a.epochs):
        sampler.set_epoch(epoch)
        t0, seen, steps, loss_sum = time.time(), 0, 0, 0.0
        for x, y in train:
            for g in opt.param_groups:
                g["lr"] = learning_rate(a, epoch, it, len(train))
            loss = F.cross_entropy(net(x.to(device)), y.to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()  # DDP averages the gradients over ranks, the threshold gradients included
            opt.step()
            it, seen, steps, loss_sum = it + 1, seen + len(y) * world, steps + 1, loss_sum + loss.item()
            if a.max_steps is not None and it >= a.max_steps:
                break
        rate = seen / (time.time() - t0)
        val_acc = evaluate(net, val, device) if val is not None else None
        acc = evaluate(net, test, device)  # reported only: the choice below is made on validation
        # the first epoch with the highest validation accuracy, as spikerep chooses; the last without validation
        improved = val_acc is None or val_acc > best["validationAccuracy"]
        if improved:
            best = {"epoch": epoch + 1, "validationAccuracy": -1.0 if val_acc is None else val_acc, "testAccuracy": acc}
        if rank == 0:
            meta = {"format": "spikerep-torch", "model": cfg["model"], "epoch": epoch + 1}
            save_file(weights_of(model), ckpt, meta)
            if improved:
                save_file(weights_of(model), best_ckpt, meta)
            torch.save({"optimizer": opt.state_dict(), "epoch": epoch + 1, "iteration": it, "best": best}, resume)
            line = {"epoch": epoch + 1, "iteration": it, "trainLoss": loss_sum / max(1, steps),
                    "validationAccuracy": val_acc, "testAccuracy": acc, "bestEpoch": best["epoch"],
                    "imagesPerSecond": rate}  # fmt: skip
            print(json.dumps(line), flush=True)
            with open(os.path.join(a.out, "log.jsonl"), "a") as f:
                f.write(json.dumps(line) + "\n")
        if a.max_steps is not None and it >= a.max_steps:
            break
    dist.barrier()  # every rank done before the group goes
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
    # torch 1.13's Gloo group can deadlock in its destructor at interpreter exit (the DDP reducer's last reference
    # joins a worker thread that waits for the GIL the exiting thread holds; seen once in 40 runs): everything is
    # written and flushed by now, so leave without running destructors
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
