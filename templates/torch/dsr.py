"""DSR spiking neurons (spikerep docs/method.md §1-§2) as torch.autograd.Functions on time-major [T*B, ...] tensors.

Forward: simulate T steps (membrane from 0; IF u = u + I, LIF u = λ·u + (1 − λ)·I; fire where u ≥ α·Vth; subtract
Vth); spikes carry magnitude Vth (IF) or Vth/Δt (LIF). Backward: the derivative of the spike representation's
clamp mapping, read from the input current's (weighted) mean, replicated as 1/T over the steps, plus one scalar
threshold gradient. Every constant is rounded to float32 the way spikerep rounds it, so both engines fire identically.
"""
import math
import struct

import torch
import torch.nn as nn


def f32(x):
    """x rounded to the nearest float32, as a Python float."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def leak(tau, dt):
    """λ = exp(−Δt/τ) and 1 − λ in float32 (docs/method.md §1.2)."""
    lam = f32(math.exp(f32(-dt / f32(tau))))
    return lam, f32(1.0 - lam)


def leak_weights(T, tau, dt):
    """w_t = λ^(T−t), t = 1..T, oldest first (docs/method.md §1.3); float64."""
    return torch.tensor([math.exp(-(T * dt - t * dt) / tau) for t in range(1, T + 1)], dtype=torch.float64)


class IFSpike(torch.autograd.Function):
    """IF neuron (docs/method.md §1.1 forward, §2.2 backward)."""

    @staticmethod
    def forward(ctx, x, vth, T, alpha, grad_scale):
        xs = x.view(T, -1, *x.shape[1:])
        u = torch.zeros_like(xs[0])
        level = alpha * vth  # the firing level: a float32 product
        out = torch.empty_like(xs)
        for t in range(T):
            u = u + xs[t]
            s = (u >= level).to(x.dtype)
            out[t] = s * vth  # spikes of magnitude Vth
            u = u - out[t]  # soft reset by Vth, not by α·Vth
        ctx.save_for_backward(x, vth)
        ctx.T, ctx.grad_scale = T, grad_scale
        return out.view_as(x)

    @staticmethod
    def backward(ctx, g):
        x, vth = ctx.saved_tensors
        T = ctx.T
        mean_in = x.view(T, -1, *x.shape[1:]).mean(0)
        gc = g.view(T, -1, *g.shape[1:]).sum(0)
        inside = (mean_in >= 0) & (mean_in <= vth)  # closed interval [0, Vth]
        g_vth = (gc * (mean_in > vth)).sum() * ctx.grad_scale
        g_in = (gc * inside / T).unsqueeze(0).expand(T, *gc.shape).reshape(x.shape)
        return g_in, g_vth.reshape(vth.shape), None, None, None


class LIFSpike(torch.autograd.Function):
    """LIF neuron (docs/method.md §1.2 forward, §2.3 backward): Δt-scaled threshold gradient, open interval, slope 1/τ."""

    @staticmethod
    def forward(ctx, x, vth, T, alpha, tau, dt, grad_scale):
        xs = x.view(T, -1, *x.shape[1:])
        lam, gain = leak(tau, dt)
        u = torch.zeros_like(xs[0])
        level = alpha * vth
        magnitude = (vth.double() / dt).float()  # f32(Vth/Δt), as spikerep rounds it
        out = torch.empty_like(xs)
        for t in range(T):
            u = u * lam + xs[t] * gain
            s = (u >= level).to(x.dtype)
            out[t] = s * magnitude
            u = u - s * vth
        ctx.save_for_backward(x, vth)
        ctx.T, ctx.tau, ctx.dt, ctx.grad_scale = T, tau, dt, grad_scale
        return out.view_as(x)

    @staticmethod
    def backward(ctx, g):
        x, vth = ctx.saved_tensors
        T, tau, dt = ctx.T, ctx.tau, ctx.dt
        w = leak_weights(T, tau, dt)
        w = (w / w.sum()).to(x.dtype).view(T, *([1] * x.dim()))
        mean_in = (x.view(T, -1, *x.shape[1:]) * w).sum(0)  # Ī_w
        gc = (g.view(T, -1, *g.shape[1:]) * (w * T)).sum(0)  # Gc = T·Σ_t w_t/Σw·g[t]
        hi = (vth.double() / dt).float() * f32(tau)  # saturation at Vth·τ/Δt
        inside = (mean_in > 0) & (mean_in < hi)  # open interval
        g_vth = (gc * (mean_in > hi)).sum() * dt * ctx.grad_scale  # × Δt, deliberately (docs/method.md §2.3)
        g_in = (gc * inside / (tau * T)).unsqueeze(0).expand(T, *gc.shape).reshape(x.shape)
        return g_in, g_vth.reshape(vth.shape), None, None, None, None, None


class SurrogateSpike(torch.autograd.Function):
    """The BPTT baseline's spike: the Heaviside step s = H(u − α·Vth) forward; backward the sigmoid surrogate on the
    threshold-normalised membrane z = u/Vth − α, σ'(z) = k·σ(k·z)·(1 − σ(k·z)), to u and to Vth (spikerep
    snn/surrogate.ts). The gradient through the reset and the spike magnitude is ordinary autograd."""

    @staticmethod
    def forward(ctx, u, vth, alpha, slope):
        level = alpha * vth
        ctx.save_for_backward(u, vth, level)
        ctx.slope = slope
        return (u >= level).to(u.dtype)

    @staticmethod
    def backward(ctx, g):
        u, vth, level = ctx.saved_tensors
        sig = torch.sigmoid(ctx.slope * (u - level) / vth)
        d = g * ctx.slope * sig * (1 - sig)
        return d / vth, (-(d * u) / (vth * vth)).sum().reshape(vth.shape), None, None


def bptt_forward(x, vth, T, alpha, tau, dt, slope, grad_scale):
    """LIF dynamics unrolled for backpropagation through time: u = λ·v + (1 − λ)·I, fire, subtract Vth, spikes Vth/Δt."""
    xs = x.view(T, -1, *x.shape[1:])
    lam = math.exp(-dt / tau)  # rounded as spikerep's surrogate path rounds it: float64, then float32
    decay, gain = f32(lam), f32(1.0 - lam)
    vth_scaled = ScaleGrad.apply(vth, grad_scale)
    v = torch.zeros_like(xs[0])
    magnitude = (vth_scaled.double() * (1.0 / dt)).float()  # f32(spikeScale·Vth), spikerep's rounding
    out = []
    for t in range(T):
        u = v * decay + xs[t] * gain
        s = SurrogateSpike.apply(u, vth_scaled, alpha, slope)
        out.append(s * magnitude)
        v = u - vth_scaled * s
    return torch.stack(out).view_as(x)


class ScaleGrad(torch.autograd.Function):
    """The identity forward; the gradient times `scale` backward (vthGradScale on the threshold)."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale, None


class SpikingNeuron(nn.Module):
    """One layer of DSR neurons with one trainable scalar threshold `vth` (docs/method.md §2.4); mode "bptt" is the
    surrogate-gradient baseline with LIF dynamics."""

    def __init__(self, T, kind="if", vth=6.0, alpha=0.5, vth_bound=0.01, tau=1.0, dt=0.05, vth_grad_scale=1.0,
                 mode="dsr", slope=4.0):  # fmt: skip
        super().__init__()
        self.T, self.kind, self.alpha, self.vth_bound = T, kind, alpha, vth_bound
        self.tau, self.dt, self.vth_grad_scale = tau, dt, vth_grad_scale
        self.mode, self.slope = mode, slope
        self.vth = nn.Parameter(torch.tensor([float(vth)]))

    def forward(self, x):
        with torch.no_grad():  # Vth ← max(Vth, bound) before every forward, outside autograd
            self.vth.clamp_(min=self.vth_bound)
        if self.mode == "bptt":
            return bptt_forward(x, self.vth, self.T, self.alpha, self.tau, self.dt, self.slope, self.vth_grad_scale)
        if self.kind == "if":
            return IFSpike.apply(x, self.vth, self.T, self.alpha, self.vth_grad_scale)
        return LIFSpike.apply(x, self.vth, self.T, self.alpha, self.tau, self.dt, self.vth_grad_scale)


def rate_readout(spikes, T, kind="if", tau=1.0, dt=0.05):
    """The logits: the last layer's firing rate (IF) or weighted firing rate (LIF), docs/method.md §1.3 and §3."""
    s = spikes.view(T, -1, *spikes.shape[1:])
    w = torch.ones(T, dtype=torch.float64) if kind == "if" else leak_weights(T, tau, dt)
    w = (w / w.sum()).to(spikes.dtype).view(T, *([1] * (s.dim() - 1)))
    return (s * w).sum(0)
