"""How many bits of an environment's table a policy stores, per parameter, and whether that count
has stopped growing (docs/design.md section 6).

An environment whose every input has one answer among its `Discrete` actions, drawn at random,
declares the table (`answer_table`, rlnoise/contract.py): Memorize-v0's keys and answers, and
Bitstrings-v0's dataset, one row per decision (the bits written before, and the next bit). The bits
a policy stores of it are the table's information minus the policy's code length of it:

    bits_stored = information_bits - sum over the rows of -log2 p(answer | row)

Each answer is uniform among the `K` actions given its row, so the table's `N` rows hold
`N * log2 K` bits (by the chain rule for a dataset written step by step: `M * n` for `M` vectors of
`n` bits), and the code length is exact, not a bound: for Memorize `N * CE`, with `CE` the mean
cross-entropy of the right answers in bits, so `bits_stored = N * (log2 K - CE)`; for Bitstrings the
autoregressive policy's negative log-likelihood of the dataset in bits. With random answers this
bounds from below the mutual information between the table and the weights (a code length that was
itself an upper bound, such as a VAE's negative ELBO, would give a looser lower bound). It is reported
raw, not floored at 0: a policy surer of wrong answers than chance is negative. `held_out_bits` is
the same figure on the table the env never asks: any policy trained without it scores at most 0
there in expectation (a row is worth `log2 K` bits less its code length, whose mean over random
answers is at least `log2 K`), so a positive figure beyond noise would mean the count is not memory.
The measure runs in the `eval()` state without gradients (dropout, stochastic depth and the
bottleneck's sampling off; `--weight-noise`, a property of the weights, stays on) and draws from a
generator of its own, seeded with the run's seed (`rlnoise.evaluation.own_generator`), never from
training's. The most a policy can store is `rlnoise.contract.ceiling_bits(env)`: the env's declared
`ceiling_bits` (Bitstrings: `M * (n - log2 M)` for distinct vectors, as its policy cannot store
their order), else all its `information_bits` (Memorize: `N * log2 K`).

A point policy's chance of playing each answer (the action nearest its point) has no closed form:
it gets no bits figures, nor does any policy on an env without a table.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from rlnoise.agents.base import Policy
from rlnoise.bottleneck import Bottleneck, bottleneck_kl
from rlnoise.contract import answer_table
from rlnoise.evaluation import observation_tensor, own_generator
from rlnoise.plan import Plan

CHUNK = 65_536
"""Keys scored in one forward pass."""
LAST_SHARE = 0.2
"""The share of training at its end over which convergence is judged: the last fifth."""
GROWTH = 0.02
"""A run has converged when `bits_stored` grew less than this share over that window."""


def parameter_count(policy: torch.nn.Module) -> int:
    """The policy's trainable scalars: the entries of its parameters that take a gradient."""
    return sum(weight.numel() for weight in policy.parameters() if weight.requires_grad)


def table_information(rows: int, answers: int) -> float:
    """`rows * log2(answers)`: the bits of a table of `rows` answers, each uniform among `answers`."""
    return rows * math.log2(answers)


def table_chunks(
    rows: np.ndarray, answers: np.ndarray, device: str
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The table's rows and answers as tensors, `CHUNK` rows at a time."""
    for start in range(0, len(rows), CHUNK):
        observations = observation_tensor(np.array(rows[start : start + CHUNK]), device)  # writable
        yield observations, torch.as_tensor(np.asarray(answers[start : start + CHUNK]), device=device)


@torch.no_grad()
def code_length(policy: Policy, rows: np.ndarray, answers: np.ndarray, device: str = "cpu") -> float:
    """The bits `policy` (a choice policy) takes to code the table's `answers` (output indices) given
    its `rows` (observations): the sum over the rows of `-log2 p(answer | row)`, in the `eval()` state."""
    log_likelihood = 0.0
    with policy.evaluating():
        for observations, right in table_chunks(rows, answers, device):
            log_likelihood += float(policy.distribution(observations).log_prob(right).double().sum())
    return -log_likelihood / math.log(2)


@torch.no_grad()
def table_stored(policy: Policy, rows: np.ndarray, answers: np.ndarray, device: str = "cpu") -> bool:
    """Whether `policy`'s most probable answer, in the `eval()` state, is right on every row."""
    with policy.evaluating():
        return all(
            bool((policy.greedy(observations) == right).all())
            for observations, right in table_chunks(rows, answers, device)
        )


def bits_stored(policy: Policy, rows: np.ndarray, answers: np.ndarray, device: str = "cpu") -> float:
    """The table's information (`table_information`) minus `policy`'s code length of it
    (`code_length`): `N * (log2 K - CE)` for `N` keys; raw, so negative for a policy surer of wrong
    answers than chance."""
    return table_information(len(rows), policy.action_size) - code_length(policy, rows, answers, device)


def measured_tables(plan: Plan) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The tables whose bits the plan's policy is scored on, the keys it is asked (`bits_stored`)
    and those it never is (`held_out_bits`), each as keys and output indices; none unless the env
    declares a table and the policy chooses among its `Discrete` actions."""
    space = plan.env.action_space
    if plan.policy_class.output != "choice" or not isinstance(space, spaces.Discrete):
        return {}
    tables = {"bits_stored": answer_table(plan.env), "held_out_bits": answer_table(plan.env, held_out=True)}
    if tables["bits_stored"] is None:
        return {}
    return {name: (keys, answers - int(space.start)) for name, (keys, answers) in tables.items()}


def capacity_figures(
    policy: Policy, tables: dict[str, tuple[np.ndarray, np.ndarray]], device: str = "cpu", seed: int = 0
) -> dict[str, float]:
    """The bits figures of `policy` on `tables` (`measured_tables`): the table's `information_bits`,
    `bits_stored`, `held_out_bits`, `bits_per_param` and `table_stored` (every row's most probable
    answer right: the table stored whole, Cover's count); none without tables."""
    if not tables:
        return {}
    keys, _ = tables["bits_stored"]
    figures = {"information_bits": table_information(len(keys), policy.action_size)}
    with own_generator(device, seed):  # weight noise draws in the eval() state too: never training's draws
        figures.update({name: bits_stored(policy, *table, device) for name, table in tables.items()})
        figures["table_stored"] = table_stored(policy, *tables["bits_stored"], device)
        figures.update(bottleneck_bits(policy, keys, device))
    figures["bits_per_param"] = figures["bits_stored"] / parameter_count(policy)
    return figures


@torch.no_grad()
def bottleneck_bits(policy: Policy, rows: np.ndarray, device: str = "cpu") -> dict[str, float]:
    """`bottleneck_kl_bits`: the `--bottleneck` layer's KL from its prior, in bits, averaged over
    the table's rows (at most `CHUNK` of them) in the `eval()` state, which bounds the bits about a
    row that pass its sampled units; none without a bottleneck."""
    if not any(isinstance(module, Bottleneck) for module in policy.modules()):
        return {}
    with policy.evaluating():
        policy.distribution(observation_tensor(np.array(rows[:CHUNK]), device))
        return {"bottleneck_kl_bits": float(bottleneck_kl(policy)) / math.log(2)}


def convergence(steps: list[int], bits: list[float], total_steps: int) -> tuple[bool | None, str]:
    """Whether `bits` (`bits_stored` measured at `steps`) grew less than `GROWTH` of its value over
    the last `LAST_SHARE` of `total_steps`, from the first evaluation in that window to the last,
    and the sentence that says so; None, with why, with fewer than two evaluations there or a first
    one of at most 0 bits."""
    start = math.ceil((1 - LAST_SHARE) * total_steps)
    window = [(step, value) for step, value in zip(steps, bits, strict=True) if step >= start]
    if len(window) < 2:
        return None, (
            f"{len(window)} evaluation(s) in the last fifth of training "
            f"(steps {start:,} to {total_steps:,}): at least 2 are needed (evaluate more often, --eval-every)"
        )
    (first_step, first), (last_step, last) = window[0], window[-1]
    if first <= 0:
        return None, f"bits_stored was {first:.1f} at step {first_step:,}, not above 0: no growth to measure"
    growth = (last - first) / first
    return growth < GROWTH, (
        f"bits_stored grew {growth:+.1%} from step {first_step:,} to {last_step:,} "
        f"({len(window)} evaluations in the last fifth of training; converged below +{GROWTH:.0%})"
    )


class Capacity:
    """A run's bits figures at each evaluation, kept in its checkpoint (`state_dict`) so that a
    resumed run judges convergence on the same evaluations as the uninterrupted one."""

    def __init__(self, plan: Plan):
        self.tables = measured_tables(plan)
        self.device, self.seed = plan.config.device, plan.config.seed
        self.steps: list[int] = []
        self.bits: list[float] = []

    def measure(self, policy: Policy, step: int) -> dict[str, float]:
        """The bits figures of `policy` at `step` (`capacity_figures`), `bits_stored` kept."""
        figures = capacity_figures(policy, self.tables, self.device, self.seed)
        if figures:
            self.steps.append(step)
            self.bits.append(figures["bits_stored"])
        return figures

    def saved(self) -> dict[str, Any]:
        """What the checkpoint keeps of it, by name: itself when it measures, else nothing."""
        return {"capacity": self} if self.tables else {}

    def state_dict(self) -> dict[str, list[Any]]:
        """The steps and bits measured so far."""
        return {"steps": list(self.steps), "bits": list(self.bits)}

    def load_state_dict(self, state: dict[str, list[Any]]) -> None:
        """Continue from the steps and bits a checkpoint saved."""
        self.steps, self.bits = [int(step) for step in state["steps"]], [float(b) for b in state["bits"]]

    def converged(self, total_steps: int) -> dict[str, Any]:
        """`converged` (true, false or null) and `convergence` (why), when bits are measured."""
        if not self.tables:
            return {}
        converged, why = convergence(self.steps, self.bits, total_steps)
        return {"converged": converged, "convergence": why}


def capacity_lines(figures: dict[str, Any]) -> list[str]:
    """The parameter count and, when measured, the bits figures (and the quantization of `rlnoise
    evaluate --quantize`), as the commands print them."""
    lines = [f"policy parameters: {figures['parameters']:,}"]
    if "bits_stored" in figures:
        lines.append(
            f"bits stored: {figures['bits_stored']:.1f} of {figures['information_bits']:.0f} "
            f"({figures['bits_per_param']:.4f} per parameter); held-out table: {figures['held_out_bits']:.1f}"
        )
    if "quantize" in figures:
        lines.append(
            f"quantized {figures['quantize']} (per tensor, symmetric): {figures['quantized_weights']:,} "
            f"weights at {figures['weight_bits']} bits, {figures['weight_bit_budget']:,} bits; biases float32"
        )
    if "converged" in figures:
        state = {True: "yes", False: "no", None: "unknown"}[figures["converged"]]
        lines.append(f"converged: {state} ({figures['convergence']})")
    return lines
