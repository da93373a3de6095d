"""Post-training weight quantization, `rlnoise evaluate RUN --quantize int8|int4` (the capacity lab:
how many of the bits a trained policy stores survive fewer bits per weight).

Every weight matrix of the policy's `nn.Linear` layers is replaced by its per-tensor symmetric
quantization: `scale = max|W| / (2^(b-1) - 1)`, `W_q = scale * clamp(round(W / scale), -(2^(b-1) - 1),
2^(b-1) - 1)` (round to nearest, the restricted symmetric range, so 0 is exact and at most
`2^b - 1` distinct values per matrix), dequantized back to float for the forward pass. Biases and
any other parameter (a learned standard deviation, NoisyNet's scales) stay in float32. A plain
quantizer of our own, rather than torch.ao's fake-quantize modules: a few lines, nothing to
calibrate, and the same arithmetic on every device and torch version.
"""

from __future__ import annotations

import torch
from torch import nn


def quantized(weight: torch.Tensor, bits: int) -> torch.Tensor:
    """`weight` quantized per tensor, symmetric, to `bits` bits (round to nearest), as floats."""
    levels = 2 ** (bits - 1) - 1
    scale = weight.abs().max() / levels
    if scale == 0:
        return weight.clone()
    return torch.round(weight / scale).clamp(-levels, levels) * scale


@torch.no_grad()
def quantize(policy: nn.Module, bits: int) -> dict[str, int]:
    """Quantize every `nn.Linear` weight of `policy` in place to `bits` bits (`quantized`); return
    the figures `rlnoise evaluate` reports: `weight_bits`, `quantized_weights` (the weights
    quantized) and `weight_bit_budget` (their bits, `weight_bits` each)."""
    linears = [module for module in policy.modules() if isinstance(module, nn.Linear)]
    for linear in linears:
        linear.weight.copy_(quantized(linear.weight, bits))
    count = sum(linear.weight.numel() for linear in linears)
    return {"weight_bits": bits, "quantized_weights": count, "weight_bit_budget": bits * count}
