"""Batch norm whose statistics pool the rows of every rank, on any process group (Gloo on CPUs included).

PyTorch's own SyncBatchNorm runs on GPUs only; train.py uses it there and this module elsewhere. With it, N processes
normalise every layer over the global T×B rows, so a step computes the same numbers as one process on the whole batch
(up to the order of float sums), which is what lets a CPU run check the distributed set-up against spikerep.

Forward: the global mean first, then the global mean of squared deviations (two all-reduces; the one-pass
E[x²] − E[x]² loses digits). Backward: each rank back-propagates its own loss, DDP then averages over ranks, so the
input gradient uses the all-reduced sums of the local gradients, as PyTorch's SyncBatchNorm does.
"""
import torch
import torch.distributed as dist
import torch.nn as nn


def _sum_over_rows(t):
    """Per-channel sum over every dimension but the channel one (dim 1), as float64 for the all-reduce."""
    dims = [0] + list(range(2, t.dim()))
    return t.sum(dim=dims, dtype=torch.float64)


def _per_channel(v, like):
    """A per-channel vector shaped to broadcast over like [N, C, ...], in like's dtype."""
    return v.to(like.dtype).view([1, -1] + [1] * (like.dim() - 2))


class _SyncBatchNormFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps, group):
        rows = torch.tensor([x.numel() // x.shape[1]], dtype=torch.float64)
        dist.all_reduce(rows, group=group)
        total = _sum_over_rows(x)
        dist.all_reduce(total, group=group)
        mean = total / rows
        centred = x - _per_channel(mean, x)
        squares = _sum_over_rows(centred * centred)
        dist.all_reduce(squares, group=group)
        var = squares / rows
        invstd = torch.rsqrt(var + eps)
        with torch.no_grad():  # running statistics: unbiased variance over all ranks' rows, as nn.BatchNorm keeps them
            running_mean.mul_(1 - momentum).add_(momentum * mean.to(running_mean.dtype))
            running_var.mul_(1 - momentum).add_(momentum * (var * rows / (rows - 1)).to(running_var.dtype))
        xhat = centred * _per_channel(invstd, x)
        ctx.save_for_backward(xhat, weight, invstd, rows)
        ctx.group = group
        return xhat * _per_channel(weight, x) + _per_channel(bias, x)

    @staticmethod
    def backward(ctx, g):
        xhat, weight, invstd, rows = ctx.saved_tensors
        g_sum, g_xhat_sum = _sum_over_rows(g), _sum_over_rows(g * xhat)
        sums = torch.stack([g_sum, g_xhat_sum])
        dist.all_reduce(sums, group=ctx.group)
        mean_g, mean_g_xhat = sums[0] / rows, sums[1] / rows
        scale = _per_channel(invstd, g) * _per_channel(weight, g)
        dx = scale * (g - _per_channel(mean_g, g) - xhat * _per_channel(mean_g_xhat, g))
        # the affine parameters' gradients stay local: DDP averages them like every other parameter's
        return dx, g_xhat_sum.to(weight.dtype), g_sum.to(weight.dtype), None, None, None, None, None


class GlooSyncBatchNorm(nn.modules.batchnorm._BatchNorm):
    """nn.BatchNorm1d/2d with the same parameters and buffers, normalising over all ranks in training."""

    def __init__(self, bn, group=None):
        super().__init__(bn.num_features, bn.eps, bn.momentum, bn.affine, bn.track_running_stats)
        self.load_state_dict(bn.state_dict())
        self.group = group

    def _check_input_dim(self, x):
        if x.dim() < 2:
            raise ValueError(f"expected a [N, C, ...] input, got {x.dim()} dimensions")

    def forward(self, x):
        if not self.training or not dist.is_initialized() or dist.get_world_size(self.group) == 1:
            return super().forward(x)
        self.num_batches_tracked.add_(1)
        return _SyncBatchNormFn.apply(
            x, self.weight, self.bias, self.running_mean, self.running_var, self.momentum, self.eps, self.group
        )


def convert_sync_batchnorm(module, group=None):
    """Every BatchNorm1d/2d inside module replaced by a GlooSyncBatchNorm with its parameters and buffers."""
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return GlooSyncBatchNorm(module, group)
    for name, child in module.named_children():
        setattr(module, name, convert_sync_batchnorm(child, group))
    return module
