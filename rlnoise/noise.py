"""Noise inside the policy network and the optimiser: each source one small piece, off by default.

The policy's own output distribution is one source of randomness; these are the others. Each is
a training setting (`rlnoise.config.Config`) and composes with every agent whose network is the
standard one, `rlnoise.agents.base.mlp` (an `MLP`): `apply` rebuilds every `MLP` of a policy with
the sources that live in the network, and `NoiseSources` holds the few hooks of the training loop.
Every draw comes from torch's global generator, which the run seeds (and a checkpoint saves), so
the same seed gives the same run with any source on.

- **Dropout** (`--dropout P`): a `nn.Dropout` after each hidden layer's activation. It is active
  whenever the policy is in the `train()` state, so in acting, in the gradient step and in sampled
  evaluation; deterministic play (`Policy.act(..., deterministic=True)`) switches the policy to
  the `eval()` state, so it is off there. With dropout on, each call of `policy.distribution` draws a
  fresh mask for each sample, and `log_prob` is the log-probability *under that sampled mask*,
  `log pi(a | s, m)`. The gradient step's mask is not the one the action was sampled with: the
  actions come from the mask-averaged policy `E_m pi(a | s, m)`, and the gradient is that of
  `E_m log pi(a | s, m)` (one mask per sample), a lower bound of its log-probability (Jensen),
  as in any training with dropout; it is not the exact policy gradient of the averaged policy.
- **Parameter noise** (`--param-noise SIGMA`, `--param-noise-target`): `ParameterNoise`.
- **NoisyNet** (`--noisy-net`): every `nn.Linear` of the network becomes a `NoisyLinear`.
- **Gradient noise** (`--grad-noise ETA`, `--grad-noise-decay`): `gradient_noise_std`, added to the
  policy's gradients (not the baseline's) before each optimiser step.
- **Symmetric initialisation** (`--init symmetric`): `symmetric_init`.
- **Weight noise** (`--weight-noise S`) and **binarised weights** (`--binarize`): every `nn.Linear`
  of the network becomes a `rlnoise.noisy_layers.ChannelLinear` (its docstring says what each
  does); unlike the sources above, they act in the `eval()` state too (deterministic play).
- **Stochastic depth** (`--stochastic-depth P`): the hidden-to-hidden layers become residual
  blocks skipped with probability `P` in the `train()` state, `rlnoise.depth.StochasticDepth`.
- **Bottleneck** (`--bottleneck DIM --beta B`): a Gaussian layer of `DIM` units after the first
  hidden layer, sampled in the `train()` state, its mean in the `eval()` state; each algorithm adds
  `B` times its KL to the prior to its loss, `rlnoise.bottleneck`.

TensorBoard: each active source's scale under `noise/` (`NoiseSources.scales`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import kl_divergence

from rlnoise.agents.base import MLP, Policy
from rlnoise.bottleneck import Bottleneck
from rlnoise.config import Config, network_flags
from rlnoise.depth import StochasticDepth, residual
from rlnoise.errors import UsageError
from rlnoise.noisy_layers import ChannelLinear


class NoisyLinear(nn.Linear):
    """A linear layer with factorised Gaussian noise of learned scale (Fortunato et al., 2018).

    `weight` and `bias` are the means; `weight_sigma` and `bias_sigma` the learned scales, started at
    `sigma0 / sqrt(inputs)`. In the `train()` state every forward pass draws fresh factorised noise,
    shared by the whole batch: `eps_w = f(eps_out) f(eps_in)^T`, `eps_b = f(eps_out)` with
    `f(x) = sign(x) sqrt(|x|)`. In the `eval()` state the layer is its mean.
    """

    def __init__(self, inputs: int, outputs: int, sigma0: float = 0.5):
        super().__init__(inputs, outputs)  # the means: nn.Linear's uniform init, bound 1/sqrt(inputs)
        bound = 1 / math.sqrt(inputs)
        self.weight_sigma = nn.Parameter(torch.full((outputs, inputs), sigma0 * bound))
        self.bias_sigma = nn.Parameter(torch.full((outputs,), sigma0 * bound))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """The layer with fresh noise (the `train()` state) or its mean (the `eval()` state)."""
        if not self.training:
            return F.linear(inputs, self.weight, self.bias)
        noise_in, noise_out = (
            factorised(torch.randn(size, device=inputs.device)) for size in self.weight.shape[::-1]
        )
        weight = self.weight + self.weight_sigma * torch.outer(noise_out, noise_in)
        return F.linear(inputs, weight, self.bias + self.bias_sigma * noise_out)


def factorised(noise: torch.Tensor) -> torch.Tensor:
    """`sign(x) sqrt(|x|)`, the factor of factorised Gaussian noise."""
    return noise.sign() * noise.abs().sqrt()


def symmetric_init(linears: list[nn.Linear]) -> None:
    """Make every hidden unit identical: the same incoming weights and bias, the same outgoing weights.

    `linears` are a network's layers in order; the outputs of all but the last are hidden units.
    Each hidden layer's rows are set to its first row (so its weight matrix has rank 1), and each
    layer after a hidden layer has its columns set to its first column. Nothing in the gradient
    then tells the units apart: they stay identical unless noise in the gradient breaks the tie.
    """
    with torch.no_grad():
        for index, linear in enumerate(linears):
            if index > 0:
                linear.weight.copy_(linear.weight[:, :1].expand_as(linear.weight))
            if index < len(linears) - 1:
                linear.weight.copy_(linear.weight[:1].expand_as(linear.weight))
                linear.bias.fill_(linear.bias[0].item())


def unit_spread(policy: nn.Module) -> float:
    """How far symmetry in parameter space is broken: over the hidden layers, the largest distance
    of a unit's incoming weights and bias from the layer's mean unit, over that mean's norm (0
    while every unit of a layer is alike, as `--init symmetric` starts them)."""
    hidden = [module for module in policy.modules() if isinstance(module, nn.Linear)][:-1]
    spreads = []
    with torch.no_grad():
        for layer in hidden:
            units = torch.cat([layer.weight, layer.bias[:, None]], dim=1)
            mean = units.mean(dim=0)
            spreads.append(float((units - mean).norm(dim=1).max() / mean.norm().clamp_min(1e-12)))
    return max(spreads, default=0.0)


def linear_layer(old: nn.Linear, config: Config) -> nn.Linear:
    """The layer that takes `old`'s place: a `NoisyLinear`, a `ChannelLinear` on its weights, or `old`."""
    if config.noisy_net:
        return NoisyLinear(old.in_features, old.out_features)
    if config.weight_noise > 0 or config.binarize:
        return ChannelLinear.wrap(old, config.weight_noise, config.binarize)
    return old


def rebuild(network: MLP, config: Config) -> MLP:
    """`network` with the settings' sources: NoisyNet or channel layers, layer norms, dropout,
    residual blocks of stochastic depth (`rlnoise.depth`), the bottleneck after the first hidden
    layer (`rlnoise.bottleneck`, the next layer then taking its units), the initialisation."""
    plain = [module for module in network if isinstance(module, nn.Linear)]
    if config.bottleneck > 0:
        plain[1] = nn.Linear(config.bottleneck, plain[1].out_features)
    linears = [linear_layer(module, config) for module in plain]
    if config.init == "symmetric":
        symmetric_init(linears)
    modules: list[nn.Module] = []
    for index, linear in enumerate(linears[:-1]):
        layer: list[nn.Module] = [linear]
        if config.param_noise > 0:  # Plappert et al.: layer normalisation between perturbed layers
            layer.append(nn.LayerNorm(linear.out_features, elementwise_affine=False))
        layer.append(nn.Tanh())
        if config.dropout > 0:
            layer.append(nn.Dropout(config.dropout))
        modules += residual(layer, config.stochastic_depth)
        if index == 0 and config.bottleneck > 0:
            modules.append(Bottleneck(linear.out_features, config.bottleneck))
    return MLP(*modules, linears[-1])


def carries_noise(policy: nn.Module) -> bool:
    """Whether a forward pass of `policy` in the `train()` state draws noise inside its network."""
    return any(
        isinstance(module, NoisyLinear | ParameterNoise | StochasticDepth | Bottleneck)
        or (isinstance(module, nn.Dropout) and module.p > 0)
        or (isinstance(module, ChannelLinear) and module.noise > 0)
        for module in policy.modules()
    )


def apply(policy: Policy, config: Config) -> None:
    """Rebuild every standard network (`MLP`) of `policy` with the settings' noise sources.

    Raises a UsageError when a source is set and the policy has no standard network to put it in,
    or when `--noisy-net` is set with a source that also replaces the linear layers.
    """
    flags = network_flags(config)
    if not flags:
        return
    if config.noisy_net and (config.weight_noise > 0 or config.binarize):
        raise UsageError(
            "--noisy-net cannot go with --weight-noise or --binarize: each replaces the linear layers"
        )
    parents = [
        (parent, name)
        for parent in policy.modules()
        for name, child in parent.named_children()
        if isinstance(child, MLP)
    ]
    if not parents:
        raise UsageError(
            f"{flags[0]} cannot apply to agent {config.agent!r}: its policy does not build its network "
            "with rlnoise.agents.base.mlp, where the noise sources live"
        )
    for parent, name in parents:
        setattr(parent, name, rebuild(getattr(parent, name), config))
    if config.param_noise > 0:
        linears = [module for module in policy.modules() if isinstance(module, nn.Linear)]
        policy.add_module(
            "parameter_noise", ParameterNoise(linears, config.param_noise, config.param_noise_target)
        )


class ParameterNoise(nn.Module):
    """Parameter-space noise for exploration (Plappert et al., 2018), one perturbation per copy.

    For acting (`acting`), every copy `i` of the vector env plays with its own perturbed weights
    `W + scale * eps_i` on every linear layer of the standard network, with `eps_i` a standard
    Gaussian drawn when the copy's episode starts and held to its end (`episodes_ended`). The
    batched forward adds `scale * x_i eps_i^T` to each layer's output with one `torch.bmm` (a
    forward hook), so a 1024-copy rollout stays one batched pass. The network normalises its hidden
    layers (`nn.LayerNorm`, see `rebuild`), so one scale suits every layer.

    The scale adapts (`adapt`): after each rollout it is multiplied by 1.01 when the distance the
    perturbation causes in action space is below `target`, divided by 1.01 otherwise. The distance
    is the root-mean-square difference of the perturbed and unperturbed `mode` for a point policy,
    the mean KL divergence from the unperturbed to the perturbed distribution (nats) for a choice
    policy.

    Off-policy-ness: the gradient step uses the unperturbed policy's `log_prob` of the actions the
    perturbed copies took, uncorrected. For a Gaussian point policy the score of such an action,
    `(a - mu(s)) / sigma^2`, has an extra term `(mu_perturbed(s) - mu(s)) / sigma^2`, which moves
    the point towards the perturbations that earned a positive advantage: that pull is the
    exploration Plappert et al. add to the learner. Importance weights `pi / pi_perturbed` would
    remove it, with a variance that grows with the distance; instead the adapted scale keeps the
    distance at `target`, so the bias stays bounded by it (logged as `noise/param_noise_distance`).

    Sampled evaluation plays perturbed too (`evaluating`: a fresh perturbation per evaluated copy);
    deterministic play, in the `eval()` state, is unperturbed. The scale is a buffer, so it is saved
    with the policy's weights and checkpoints.
    """

    def __init__(self, linears: list[nn.Linear], sigma: float, target: float, factor: float = 1.01):
        super().__init__()
        self.register_buffer("scale", torch.tensor(float(sigma)))
        self.target, self.factor = target, factor
        self.distance = float("nan")
        self.active = False
        self.noise: list[tuple[torch.Tensor, torch.Tensor]] | None = None
        self.shapes = [linear.weight.shape for linear in linears]
        for index, linear in enumerate(linears):
            linear.register_forward_hook(partial(self.perturb, index))

    def draw(self, copies: int, device: torch.device) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Standard Gaussian noise for `copies` copies: per layer, the weights' and the bias's."""
        return [
            (torch.randn(copies, *shape, device=device), torch.randn(copies, shape[0], device=device))
            for shape in self.shapes
        ]

    def perturb(
        self, index: int, linear: nn.Module, inputs: tuple[torch.Tensor], output: torch.Tensor
    ) -> torch.Tensor | None:
        """Forward hook of layer `index`: while acting, add copy `i`'s perturbation to output row `i`."""
        if not (self.active and linear.training):
            return None
        (x,) = inputs
        if self.noise is None or len(self.noise[0][0]) != len(x):
            self.noise = self.draw(len(x), x.device)
        weight_noise, bias_noise = self.noise[index]
        return output + self.scale * (torch.bmm(weight_noise, x.unsqueeze(-1)).squeeze(-1) + bias_noise)

    @contextmanager
    def acting(self) -> Iterator[None]:
        """Within: the policy acts with each copy's perturbed weights."""
        self.active = True
        try:
            yield
        finally:
            self.active = False

    def episodes_ended(self, done: torch.Tensor) -> None:
        """Draw new perturbations for the copies whose episode just ended (`done`, a bool mask)."""
        if self.noise is None or not bool(done.any()):
            return
        fresh = self.draw(int(done.sum()), done.device)
        for (weight_noise, bias_noise), (new_weight, new_bias) in zip(self.noise, fresh, strict=True):
            weight_noise[done], bias_noise[done] = new_weight, new_bias

    def restart(self) -> None:
        """Forget every copy's perturbation (the vector env was reset); the next acting draws anew."""
        self.noise = None

    @torch.no_grad()
    def adapt(self, policy: Policy, observations: torch.Tensor) -> None:
        """Measure the distance the copies' perturbations cause on `observations` (one per copy) and
        move the scale towards the target."""
        outputs = policy.greedy if policy.output == "point" else policy.distribution
        with torch.random.fork_rng(devices=[]):  # the same dropout masks and NoisyNet noise both ways
            torch.manual_seed(0)
            plain = outputs(observations)
            torch.manual_seed(0)
            with self.acting():
                perturbed = outputs(observations)
        if policy.output == "point":
            self.distance = float(((perturbed - plain) ** 2).mean().sqrt())
        else:
            self.distance = float(kl_divergence(plain, perturbed).mean())
        self.scale *= self.factor if self.distance < self.target else 1 / self.factor


def gradient_noise_std(eta: float, decay: float, update: int) -> float:
    """The standard deviation of the gradient noise at update `update` (from 0): `sqrt(eta / (1 + t)^decay)`
    (Neelakantan et al., 2015)."""
    return math.sqrt(eta / (1 + update) ** decay)


def add_gradient_noise(parameters: Iterable[nn.Parameter], std: float) -> None:
    """Add Gaussian noise of standard deviation `std` to every gradient of `parameters`."""
    for parameter in parameters:
        if parameter.grad is not None:
            parameter.grad.add_(torch.randn_like(parameter.grad), alpha=std)


class NoiseSources:
    """The training loop's hooks for the noise sources `config` turns on; each does nothing when off."""

    def __init__(self, policy: Policy, config: Config):
        self.policy = policy
        self.parameter_noise: ParameterNoise | None = getattr(policy, "parameter_noise", None)
        self.eta, self.decay = config.grad_noise, config.grad_noise_decay

    @contextmanager
    def acting(self) -> Iterator[None]:
        """Within: the policy acts as it does in the rollout (each copy perturbed)."""
        if self.parameter_noise is None:
            yield
            return
        with self.parameter_noise.acting():
            yield

    def stepped(self, done: torch.Tensor) -> None:
        """After an env step: new perturbations for the copies whose episode ended."""
        if self.parameter_noise is not None:
            self.parameter_noise.episodes_ended(done.bool())

    def restarted(self) -> None:
        """After the vector env was reset: every copy starts a new episode."""
        if self.parameter_noise is not None:
            self.parameter_noise.restart()

    def collected(self, next_observations: torch.Tensor) -> None:
        """After a rollout: adapt the perturbation scale on the copies' next observations."""
        if self.parameter_noise is not None:
            self.parameter_noise.adapt(self.policy, next_observations)

    def perturb_gradients(self, update: int) -> None:
        """Before the optimiser step of update `update` (from 0): add the gradient noise."""
        if self.eta > 0:
            add_gradient_noise(self.policy.parameters(), gradient_noise_std(self.eta, self.decay, update))

    @contextmanager
    def evaluating(self) -> Iterator[None]:
        """Within: sampled evaluation plays perturbed, each evaluated copy with a fresh perturbation;
        the rollout's perturbations are kept for after."""
        if self.parameter_noise is None:
            yield
            return
        kept, self.parameter_noise.noise = self.parameter_noise.noise, None
        try:
            with self.parameter_noise.acting():
                yield
        finally:
            self.parameter_noise.noise = kept

    def scales(self, update: int) -> dict[str, float]:
        """Each active source's scale by TensorBoard tag, under `noise/`."""
        tags = {}
        if self.parameter_noise is not None:
            tags["noise/param_noise_scale"] = float(self.parameter_noise.scale)
            tags["noise/param_noise_distance"] = self.parameter_noise.distance
        noisy = [module for module in self.policy.modules() if isinstance(module, NoisyLinear)]
        for index, layer in enumerate(noisy):
            tags[f"noise/noisy_sigma/layer{index}"] = layer.weight_sigma.detach().abs().mean().item()
        if self.eta > 0:
            tags["noise/grad_noise_std"] = gradient_noise_std(self.eta, self.decay, update)
        return tags
