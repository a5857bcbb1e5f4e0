#!/usr/bin/env python3
"""The PyTorch peer for spikerep's benchmarks: the same networks trained by DSR (every conv/BN backward runs over all
T*B rows, as in the reference code; the IF neuron steps in place on preallocated tensors), or by BPTT with a sigmoid
surrogate. Random data, forward + backward + SGD step. Each step is timed on its own after --warmup untimed steps (the
tuned allocator grows its pool over the first steps); prints one JSON object with the median and the spread.
`--self-check` checks the in-place neuron against the earlier out-of-place one and exits.

Run with Debian's interpreter: /usr/bin/python3 bench/torch_dsr.py --model mnistnet --T 4 --threads 2
For a fair speed comparison start it with the tuned allocator (see the bench driver) and channels-last tensors.
"""
import argparse, json, math, os, resource, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def if_forward_reference(x, vth, T, alpha):
    """The earlier out-of-place IF forward (a new tensor per step), kept only for --self-check."""
    xs = x.view(T, -1, *x.shape[1:])
    u = torch.zeros_like(xs[0])
    out = []
    for t in range(T):
        u = u + xs[t]
        s = (u >= alpha * vth).to(x.dtype)
        u = u - vth * s
        out.append(vth * s)
    return torch.cat(out, 0)


class DsrIF(torch.autograd.Function):
    """IF neuron, spec section 1.1 forward and 2.2 backward, on [T*B, ...] time-major input. The forward runs in
    place on preallocated tensors (one membrane, one spike buffer, one output; no new tensor per step) and keeps only
    the time-mean of the input current, which is all the DSR backward reads."""

    @staticmethod
    def forward(ctx, x, vth, T, alpha):
        xs = x.view(T, -1, *x.shape[1:])
        out = torch.empty_like(x)
        outs = out.view(T, -1, *x.shape[1:])
        u = torch.zeros_like(xs[0])
        s = torch.empty_like(u)
        thr = alpha * vth
        for t in range(T):
            u.add_(xs[t])
            torch.ge(u, thr, out=s)
            torch.mul(s, vth, out=outs[t])
            u.sub_(outs[t])
        ctx.save_for_backward(xs.mean(0), vth)
        ctx.T = T
        return out

    @staticmethod
    def backward(ctx, g):
        xm, vth = ctx.saved_tensors
        T = ctx.T
        gc = g.view(T, -1, *g.shape[1:]).sum(0)
        gv = gc.masked_fill(xm <= vth, 0).sum()
        gc.mul_((xm >= 0) & (xm <= vth)).div_(T)
        gx = torch.empty_like(g)
        gx.view(T, -1, *g.shape[1:]).copy_(gc)  # the same input gradient at every step, broadcast over T in one write
        return gx, gv, None, None


def self_check(T=4, alpha=0.5):
    """The in-place forward gives the earlier out-of-place forward's spikes, and its gradients the earlier backward's."""
    torch.manual_seed(1)
    failures = []
    for shape in [(T * 8, 16, 7, 7), (T * 8, 33)]:
        x = (torch.randn(*shape) * 3.0)
        if len(shape) == 4:
            x = x.to(memory_format=torch.channels_last)
        vth = torch.tensor(2.0)
        with torch.no_grad():
            new = DsrIF.apply(x, vth, T, alpha)
        old = if_forward_reference(x, vth, T, alpha)
        if not torch.equal(new, old):
            failures.append(f"forward {shape}: {(new != old).sum().item()} spikes differ")
        xa = x.clone().requires_grad_(True)
        va = vth.clone().requires_grad_(True)
        g = torch.randn(*shape)
        DsrIF.apply(xa, va, T, alpha).backward(g)
        # the earlier backward: mean over T of the input, sum over T of the output gradient, repeated over T
        xm = x.view(T, -1, *shape[1:]).mean(0)
        gc = g.view(T, -1, *shape[1:]).sum(0)
        gin = (gc * ((xm >= 0) & (xm <= vth)).to(g.dtype) / T).repeat(T, *([1] * (g.dim() - 1)))
        gv = (gc * (xm > vth).to(g.dtype)).sum()
        if not torch.allclose(xa.grad, gin, atol=1e-6):
            failures.append(f"input gradient {shape} differs")
        if not torch.allclose(va.grad, gv, rtol=1e-5, atol=1e-5):
            failures.append(f"threshold gradient {shape}: {va.grad.item()} vs {gv.item()}")
        spikes = int((old != 0).sum())
        print(f"self-check {shape}: {spikes} spikes of {old.numel()}, forward equal, gradients equal" if not failures
              else f"self-check {shape}: FAILED", file=sys.stderr)
    if failures:
        print(json.dumps({"self_check": "failed", "failures": failures}))
        return 1
    print(json.dumps({"self_check": "ok"}))
    return 0


class BpttLIF(nn.Module):
    """LIF with a sigmoid surrogate on (u - alpha*vth)/vth, unrolled by autograd (backpropagation through time).
    Out of place on purpose: autograd saves each step's membrane and sigmoid, so updating them in place (or writing
    into a preallocated output with out=) would break the backward."""

    def __init__(self, T, vth=0.3, alpha=0.3, tau=1.0, dt=0.05, slope=4.0):
        super().__init__()
        self.T, self.alpha, self.dt, self.slope = T, alpha, dt, slope
        self.lam = math.exp(-dt / tau)
        self.vth = nn.Parameter(torch.tensor(vth))

    def forward(self, x):
        xs = x.view(self.T, -1, *x.shape[1:])
        u = torch.zeros_like(xs[0])
        out = []
        for t in range(self.T):
            u = self.lam * u + (1 - self.lam) * xs[t]
            z = (u - self.alpha * self.vth) / self.vth
            soft = torch.sigmoid(self.slope * z)
            s = (z >= 0).to(x.dtype) + soft - soft.detach()  # Heaviside forward, sigmoid gradient
            u = u - self.vth * s
            out.append(self.vth * s / self.dt)
        return torch.cat(out, 0)


class IFLayer(nn.Module):
    def __init__(self, T, vth=6.0, alpha=0.5):
        super().__init__()
        self.T, self.alpha = T, alpha
        self.vth = nn.Parameter(torch.tensor(vth))

    def forward(self, x):
        with torch.no_grad():
            self.vth.clamp_(min=0.01)
        return DsrIF.apply(x, self.vth, self.T, self.alpha)


def neuron(kind, T):
    return IFLayer(T) if kind == "if" else BpttLIF(T)


class MnistNet(nn.Module):
    def __init__(self, kind, T):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), neuron(kind, T), nn.AvgPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), neuron(kind, T), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(3136, 256), nn.BatchNorm1d(256), neuron(kind, T),
            nn.Linear(256, 10), nn.BatchNorm1d(10), neuron(kind, T))

    def forward(self, x):
        return self.f(x)


class PreActBlock(nn.Module):
    def __init__(self, cin, cout, stride, kind, T):
        super().__init__()
        self.bn1, self.n1 = nn.BatchNorm2d(cin), neuron(kind, T)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.bn2, self.n2 = nn.BatchNorm2d(cout), neuron(kind, T)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.short = nn.Conv2d(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        s = self.n1(self.bn1(x))  # the shortcut takes the first neuron's spikes (spec section 3)
        out = self.conv2(self.n2(self.bn2(self.conv1(s))))
        return out + (self.short(s) if self.short is not None else s)


class PreActResNet18(nn.Module):
    def __init__(self, kind, T, classes=10):
        super().__init__()
        layers, cin = [nn.Conv2d(3, 64, 3, 1, 1, bias=False)], 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [PreActBlock(cin, cout, stride, kind, T), PreActBlock(cout, cout, 1, kind, T)]
            cin = cout
        layers += [nn.BatchNorm2d(512), neuron(kind, T), nn.AvgPool2d(4), neuron(kind, T), nn.Flatten(),
                   nn.Linear(512, classes), nn.BatchNorm1d(classes), neuron(kind, T)]
        self.f = nn.Sequential(*layers)

    def forward(self, x):
        return self.f(x)


def kernel_ceiling(threads):
    """torch's own gemm 1024³ and conv passes on the bench's conv shape (32×32×64 → 64, 3×3, batch 32), GFLOP/s:
    the machine's ceiling for a BLAS/oneDNN backend, to read spikerep's native kernel rows against."""
    torch.set_num_threads(threads)

    def best(f, reps=10):
        f()
        b = float("inf")
        for _ in range(reps):
            t = time.perf_counter()
            f()
            b = min(b, time.perf_counter() - t)
        return b

    a, c = torch.randn(1024, 1024), torch.randn(1024, 1024)
    x = torch.randn(32, 64, 32, 32).to(memory_format=torch.channels_last)
    conv = nn.Conv2d(64, 64, 3, padding=1, bias=False).to(memory_format=torch.channels_last)
    flop = 2 * 32 * 32 * 32 * 64 * 64 * 9
    with torch.no_grad():
        fwd = best(lambda: conv(x))
    xr = x.clone().requires_grad_(True)
    y = conv(xr)
    gy = torch.randn_like(y)
    bwd_in = best(lambda: torch.autograd.grad(y, [xr], gy, retain_graph=True))
    bwd_w = best(lambda: torch.autograd.grad(y, [conv.weight], gy, retain_graph=True))
    print(json.dumps({
        "gemm_1024": 2 * 1024 ** 3 / best(lambda: a @ c) / 1e9,
        "conv_fwd": flop / fwd / 1e9, "conv_bwd_input": flop / bwd_in / 1e9, "conv_bwd_filter": flop / bwd_w / 1e9,
        "threads": torch.get_num_threads(), "torch": torch.__version__,
    }))


def quartiles(xs):
    """First quartile, median and third quartile, linearly interpolated between order statistics (numpy's default,
    and src/bench/step-stats.ts's)."""
    v = sorted(xs)

    def at(q):
        pos = q * (len(v) - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(v) - 1)
        return v[lo] + (v[hi] - v[lo]) * (pos - lo)

    return at(0.25), at(0.5), at(0.75)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernels", action="store_true", help="only torch's gemm and conv GFLOP/s (kernel_ceiling)")
    ap.add_argument("--model", default="mnistnet", choices=["mnistnet", "resnet18"])
    ap.add_argument("--neuron", default="if", choices=["if", "bptt"])
    ap.add_argument("--T", type=int, default=4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10, help="timed steps (the median is reported)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--self-check", action="store_true", help="check the in-place IF neuron against the earlier one")
    a = ap.parse_args()
    if a.self_check:
        return self_check()
    if a.steps < 1 or a.warmup < 0:
        ap.error("--steps must be at least 1 and --warmup at least 0")
    if a.kernels:
        return kernel_ceiling(a.threads)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    shape = (a.batch, 1, 28, 28) if a.model == "mnistnet" else (a.batch, 3, 32, 32)
    net = MnistNet(a.neuron, a.T) if a.model == "mnistnet" else PreActResNet18(a.neuron, a.T)
    net = net.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(*shape).to(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (a.batch,))
    T = a.T
    if a.neuron == "if":
        weights = torch.full((T,), 1.0 / T)
    else:
        lam = math.exp(-0.05)
        w = torch.tensor([lam ** (T - t) for t in range(1, T + 1)])
        weights = w / w.sum()

    def step():
        opt.zero_grad(set_to_none=True)
        out = net(torch.cat([x] * T, 0))
        rates = (out.view(T, a.batch, -1) * weights.view(T, 1, 1)).sum(0)
        loss = F.cross_entropy(rates, y)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    q1, median, q3 = quartiles(times)
    print(json.dumps({
        "model": a.model, "neuron": a.neuron, "T": T, "batch": a.batch, "threads": torch.get_num_threads(),
        "warmup": a.warmup, "steps": a.steps, "step_seconds": times,
        "seconds_per_step": median, "images_per_s": a.batch / median,
        "spread": {"min": min(times), "q1": q1, "median": median, "q3": q3, "max": max(times)},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
        # Debian's torch calls whatever libblas.so.3 points to: reference BLAS is ~30x slower than OpenBLAS
        "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
    }))


if __name__ == "__main__":
    sys.exit(main())
