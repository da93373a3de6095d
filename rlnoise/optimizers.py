"""Adam and SGD (with momentum) without `torch._dynamo`: the optimisers `--optimizer` names.

Every `torch.optim` optimiser imports `torch._dynamo` (1 to 2 seconds), in its constructor
(`add_param_group` is wrapped in `torch._disable_dynamo`) and in each `step`, although rlnoise never
compiles; every `rlnoise train` and every grid worker paid for it. These classes keep what rlnoise
uses of torch's (`param_groups`, `step`, `zero_grad`, `state_dict` and `load_state_dict` in torch's
own format, so checkpoints load both ways, and `register_step_post_hook`) and leave the arithmetic
to torch: each step calls torch's own multi-tensor kernels, `torch.optim.adam._multi_tensor_adam`
and `torch.optim.sgd._multi_tensor_sgd`, with the arguments `torch.optim.Adam(..., foreach=True)`
and `torch.optim.SGD(..., foreach=True)` pass them, so the updates are theirs bit for bit. The
kernels are private: constraints.txt pins the torch whose kernels these are.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

import torch
from torch.optim.adam import _multi_tensor_adam
from torch.optim.sgd import _multi_tensor_sgd
from torch.utils.hooks import RemovableHandle

StepHook = Callable[["Optimizer", tuple, dict], None]

UNSUPPORTED = ("amsgrad", "capturable", "differentiable", "fused")
"""torch's settings these classes keep off: a state dict with one on is refused."""


class Optimizer:
    """What Adam and SGD share: one parameter group with torch's settings, the per-parameter state,
    the state dict in torch's format, and the hooks after each step."""

    def __init__(self, params: Iterable[torch.Tensor], defaults: dict[str, Any]):
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = [{"params": list(params), **defaults}]
        self.state: defaultdict[torch.Tensor, dict[str, Any]] = defaultdict(dict)
        self._step_post_hooks: OrderedDict[int, StepHook] = OrderedDict()

    def _update(self, group: dict[str, Any]) -> None:
        """Step the parameters of `group` that have a gradient (the subclass's kernel)."""
        raise NotImplementedError

    def step(self) -> None:
        """One update of every parameter with a gradient, then the step hooks."""
        with torch.no_grad():
            for group in self.param_groups:
                self._update(group)
        for hook in list(self._step_post_hooks.values()):
            hook(self, (), {})

    def zero_grad(self) -> None:
        """Drop every parameter's gradient (set it to None, as torch does by default)."""
        for group in self.param_groups:
            for weight in group["params"]:
                weight.grad = None

    def register_step_post_hook(self, hook: StepHook) -> RemovableHandle:
        """Call `hook(optimizer, args, kwargs)` after each step, as torch's optimisers do."""
        handle = RemovableHandle(self._step_post_hooks)
        self._step_post_hooks[handle.id] = hook
        return handle

    def state_dict(self) -> dict[str, Any]:
        """The state as torch's optimiser packs it: `state` by parameter index, `param_groups` with
        each group's settings and its parameters' indices."""
        (group,) = self.param_groups
        index = {id(weight): i for i, weight in enumerate(group["params"])}
        settings = {key: value for key, value in group.items() if key != "params"}
        return {
            "state": {index[id(weight)]: state for weight, state in self.state.items()},
            "param_groups": [{**settings, "params": list(index.values())}],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state and settings of `state_dict` (this class's or torch's, as torch loads it);
        a ValueError if it is not of one group of as many parameters, or has a setting turned on
        that these classes do not implement."""
        (group,) = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != 1 or len(saved_groups[0]["params"]) != len(group["params"]):
            raise ValueError("the optimiser's state dict is not of one group of these parameters")
        saved = deepcopy(saved_groups[0])
        if any(saved.get(setting) for setting in UNSUPPORTED):
            raise ValueError(f"the optimiser's state dict turns on one of {', '.join(UNSUPPORTED)}")
        weights = dict(zip(saved["params"], group["params"], strict=True))
        self.state = defaultdict(dict)
        for i, state in state_dict["state"].items():
            weight = weights[i]
            self.state[weight] = {
                key: value if key == "step" else value.to(dtype=weight.dtype, device=weight.device)
                for key, value in state.items()
            }
        self.param_groups = [{**saved, "params": group["params"]}]


class Adam(Optimizer):
    """torch's Adam in its multi-tensor form (`torch.optim.Adam(params, lr=lr, foreach=True)`)."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float):
        defaults = {"lr": lr, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False}
        defaults |= {"maximize": False, "foreach": True, "capturable": False, "differentiable": False}
        super().__init__(params, defaults | {"fused": None, "decoupled_weight_decay": False})

    def _update(self, group: dict[str, Any]) -> None:
        """torch's `_multi_tensor_adam` on the parameters with a gradient, their state created at
        their first step as torch creates it (the step count a float32 scalar on the CPU)."""
        weights = [weight for weight in group["params"] if weight.grad is not None]
        for weight in weights:
            state = self.state[weight]
            if not state:
                state["step"] = torch.tensor(0.0, dtype=torch.float32, device="cpu")
                state["exp_avg"] = torch.zeros_like(weight, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(weight, memory_format=torch.preserve_format)
        states = [self.state[weight] for weight in weights]
        beta1, beta2 = group["betas"]
        _multi_tensor_adam(
            weights,
            [weight.grad for weight in weights],
            [state["exp_avg"] for state in states],
            [state["exp_avg_sq"] for state in states],
            [],
            [state["step"] for state in states],
            None,
            None,
            amsgrad=False,
            has_complex=any(torch.is_complex(weight) for weight in weights),
            beta1=beta1,
            beta2=beta2,
            lr=group["lr"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=group["maximize"],
            capturable=False,
            differentiable=False,
            decoupled_weight_decay=group["decoupled_weight_decay"],
        )


class SGD(Optimizer):
    """torch's SGD in its multi-tensor form (`torch.optim.SGD(params, lr=lr, momentum=momentum,
    foreach=True)`): plain with `momentum` 0."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float, momentum: float = 0.0):
        defaults = {"lr": lr, "momentum": momentum, "dampening": 0, "weight_decay": 0, "nesterov": False}
        super().__init__(
            params, defaults | {"maximize": False, "foreach": True, "differentiable": False, "fused": None}
        )

    def _update(self, group: dict[str, Any]) -> None:
        """torch's `_multi_tensor_sgd` on the parameters with a gradient; with momentum, each one's
        buffer is made by the kernel at its first step and kept in its state, as torch keeps it."""
        weights = [weight for weight in group["params"] if weight.grad is not None]
        gradients = [weight.grad for weight in weights]
        momentum = group["momentum"]
        buffers = [self.state[weight].get("momentum_buffer") for weight in weights] if momentum != 0 else []
        _multi_tensor_sgd(
            weights,
            gradients,
            buffers,
            None,
            None,
            weight_decay=group["weight_decay"],
            momentum=momentum,
            lr=group["lr"],
            dampening=group["dampening"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
            has_sparse_grad=any(gradient.is_sparse for gradient in gradients),
        )
        if momentum != 0:
            for weight, buffer in zip(weights, buffers, strict=True):
                self.state[weight]["momentum_buffer"] = buffer
