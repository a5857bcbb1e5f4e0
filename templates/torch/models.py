"""spikerep's models in PyTorch, with spikerep's parameter names (so weights move between the two unchanged) and
its initialisation (docs/method.md §4): conv weights kaiming-normal (fan-out, ReLU), conv and linear biases and linear
weights PyTorch's defaults, batch-norm weight 1 and bias 0. Activations are NCHW, [T*B, C, H, W], time-major."""
import torch.nn as nn

from dsr import SpikingNeuron, rate_readout


def neuron_factory(cfg):
    """A function making one neuron layer with the recipe's settings."""
    n = cfg["neuronConfig"]

    def make():
        return SpikingNeuron(
            cfg["T"],
            kind=n["kind"],
            vth=n["vth"],
            alpha=n["alpha"],
            vth_bound=n["vthBound"],
            tau=n.get("tau", 1.0),
            dt=n.get("dt", 0.05),
            vth_grad_scale=n.get("vthGradScale", 1.0),
        )

    return make


def conv(c_in, c_out, k=3, stride=1):
    c = nn.Conv2d(c_in, c_out, k, stride=stride, padding=(k - 1) // 2, bias=True)
    nn.init.kaiming_normal_(c.weight, mode="fan_out", nonlinearity="relu")
    return c


class MnistNet(nn.Module):
    """conv3×3 C→32, BN, neuron, avgpool2, conv3×3 32→64, BN, neuron, avgpool2, linear →256, BN1d, neuron,
    linear 256→classes, BN1d, neuron; the logits are the last layer's (weighted) firing rate."""

    def __init__(self, cfg, input_shape, classes):
        super().__init__()
        C, H, W = input_shape
        neuron = neuron_factory(cfg)
        self.T, self.n = cfg["T"], cfg["neuronConfig"]
        self.features = nn.Sequential(
            conv(C, 32), nn.BatchNorm2d(32), neuron(), nn.AvgPool2d(2),
            conv(32, 64), nn.BatchNorm2d(64), neuron(), nn.AvgPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Linear((H // 4) * (W // 4) * 64, 256), nn.BatchNorm1d(256), neuron(),
            nn.Linear(256, classes), nn.BatchNorm1d(classes), neuron(),
        )  # fmt: skip

    def spikes(self, x):
        """The last neuron layer's spikes [T*B, classes] for images x [B, C, H, W] (direct encoding: every step
        sees the same image, docs/method.md §3)."""
        h = x.repeat(self.T, 1, 1, 1)
        h = self.features(h).flatten(1)
        return self.classifier(h)

    def forward(self, x):
        return rate_readout(self.spikes(x), self.T, self.n["kind"], self.n.get("tau", 1.0), self.n.get("dt", 0.05))


MODELS = {"mnistnet": MnistNet}


def build_model(cfg, input_shape, classes):
    if cfg["model"] not in MODELS:
        raise SystemExit(f"model {cfg['model']!r}: this project has {', '.join(MODELS)}")
    return MODELS[cfg["model"]](cfg, input_shape, classes)


def load_weights(model, tensors):
    """Copies spikerep-named tensors into the model; every parameter and running statistic must be there."""
    state = model.state_dict()
    missing = [k for k in state if k not in tensors and not k.endswith("num_batches_tracked")]
    if missing:
        raise SystemExit(f"weights: missing {', '.join(missing[:5])}")
    for k, v in state.items():
        if k in tensors:
            if tuple(tensors[k].shape) != tuple(v.shape):
                raise SystemExit(f"weights: {k} has shape {list(tensors[k].shape)}, the model needs {list(v.shape)}")
            v.copy_(tensors[k])


def weights_of(model):
    """The model's tensors under spikerep's names (BN's num_batches_tracked has no spikerep counterpart)."""
    return {k: v.detach().float() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
