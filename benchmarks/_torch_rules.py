"""PyTorch side of benchmarks/circuits.py: backprop, FA and DFA with biotorch; prints one JSON object.

Runs inside benchmarks/.venv-torch (``bash benchmarks/setup_torch_env.sh``). Each rule trains
a tanh MLP (sizes given) with Adam on the arrays in the .npz file written by
benchmarks/circuits.py, minibatches of 32, as a biotorch user would: ``BioModule(model,
mode="fa" | "dfa")`` and a standard PyTorch training loop. If biotorch does not import, the
same rules run as plain PyTorch written here (fixed random feedback matrices through a
custom autograd function for FA; the output error sent through fixed matrices for DFA), and
the JSON says which was used.

Usage: python benchmarks/_torch_rules.py DATA.npz --hidden 256 --epochs 5 --rules backprop,fa,dfa [--plain]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn


class _FeedbackLinear(torch.autograd.Function):
    """y = x W^T + b; the input's gradient goes back through a fixed matrix B instead of W."""

    @staticmethod
    def forward(ctx, inputs, weight, bias, feedback):
        ctx.save_for_backward(inputs, feedback)
        return inputs @ weight.T + bias

    @staticmethod
    def backward(ctx, grad_output):
        inputs, feedback = ctx.saved_tensors
        return grad_output @ feedback, grad_output.T @ inputs, grad_output.sum(0), None


class PlainFA(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        for layer in self.layers:
            layer.register_buffer("feedback", torch.randn_like(layer.weight) / layer.weight.shape[1] ** 0.5)

    def forward(self, x, targets=None, loss_function=None):
        for index, layer in enumerate(self.layers):
            x = _FeedbackLinear.apply(x, layer.weight, layer.bias, layer.feedback)
            if index < len(self.layers) - 1:
                x = torch.tanh(x)
        return x


class _Broadcast(torch.autograd.Function):
    """Identity forward; backward replaces the arriving gradient with the output error times B."""

    @staticmethod
    def forward(ctx, hidden, holder, feedback):
        ctx.holder, ctx.feedback = holder, feedback
        return hidden.view_as(hidden)

    @staticmethod
    def backward(ctx, grad_output):
        return ctx.holder["error"] @ ctx.feedback, None, None


class PlainDFA(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.feedback = [torch.randn(sizes[-1], n) / sizes[-1] ** 0.5 for n in sizes[1:-1]]
        self.holder = {}

    def forward(self, x, targets=None, loss_function=None):
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index < len(self.layers) - 1:
                x = _Broadcast.apply(torch.tanh(x), self.holder, self.feedback[index])
        if self.training and targets is not None:
            self.holder["error"] = torch.autograd.grad(loss_function(x, targets), x, retain_graph=True)[0]
        return x


def mlp(sizes):
    layers = []
    for index, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if index < len(sizes) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def build(rule: str, sizes, use_biotorch: bool):
    if rule == "backprop":
        return mlp(sizes), "pytorch"
    if use_biotorch:
        from biotorch.module.biomodule import BioModule

        with contextlib.redirect_stdout(sys.stderr):  # its converter prints a report; stdout carries the JSON
            model = BioModule(mlp(sizes), mode=rule, output_dim=sizes[-1] if rule == "dfa" else None)
        return model, "biotorch 0.0.16"
    return (PlainFA(sizes) if rule == "fa" else PlainDFA(sizes)), "plain pytorch"


def train(rule: str, data, hidden, epochs: int, batch_size: int, seed: int, use_biotorch: bool) -> dict:
    torch.manual_seed(seed)
    x_train, y_train = torch.tensor(data["x_train"]), torch.tensor(data["y_train"]).long()
    x_test, y_test = torch.tensor(data["x_test"]), torch.tensor(data["y_test"]).long()
    sizes = [x_train.shape[1], *hidden, int(max(y_train.max(), y_test.max())) + 1]
    model, implementation = build(rule, sizes, use_biotorch)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    seconds = []
    n_batches = len(x_train) // batch_size
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x_train))[: n_batches * batch_size].view(n_batches, batch_size)
        for indices in order:
            optimizer.zero_grad()
            inputs, targets = x_train[indices], y_train[indices]
            output = model(inputs, targets, loss_function) if rule != "backprop" else model(inputs)
            loss_function(output, targets).backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        accuracy = float((model(x_test).argmax(1) == y_test).float().mean())
    return dict(rule=rule, implementation=implementation, seconds_per_epoch=statistics.median(seconds[1:] or seconds),
                test_accuracy=accuracy)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--hidden", default="256")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rules", default="backprop,fa,dfa")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plain", action="store_true", help="plain PyTorch FA/DFA even if biotorch imports")
    args = parser.parse_args()
    try:
        import biotorch.module.biomodule  # noqa: F401

        use_biotorch = not args.plain
    except ImportError:
        use_biotorch = False
    with np.load(args.data, allow_pickle=False) as archive:
        data = {key: archive[key] for key in archive.files}
    hidden = [int(h) for h in args.hidden.split(",")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # biotorch uses register_backward_hook, deprecated in PyTorch 2
        results = [train(rule, data, hidden, args.epochs, args.batch_size, args.seed, use_biotorch) for rule in args.rules.split(",")]
    print(json.dumps(dict(torch=torch.__version__, threads=torch.get_num_threads(), results=results)))


if __name__ == "__main__":
    main()
