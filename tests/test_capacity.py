"""The capacity lab's figures: the policy's parameters, the bits it stores of a table, --layers."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlnoise.agents.categorical import CategoricalPolicy
from rlnoise.capacity import bits_stored, capacity_figures, convergence, measured_tables, parameter_count
from rlnoise.cli import main
from rlnoise.config import Config
from rlnoise.plan import Sizes, build_policy, make_plan, memory_needs

SMALL = {"keys": 64, "answers": 4}


def one_hot_policy(strength: float) -> CategoricalPolicy:
    """A linear policy on one-hot keys of 4 entries: logit `strength` on answer `i` for key `i`."""
    policy = CategoricalPolicy(4, 4, hidden=8, layers=0)
    with torch.no_grad():
        policy.network[0].weight.copy_(strength * torch.eye(4))
        policy.network[0].bias.zero_()
    return policy


def test_bits_stored_is_n_times_log2_k_minus_the_cross_entropy_in_bits() -> None:
    keys = np.eye(4, dtype=np.float32)
    # logit log(3) on the right answer: probability 3 / (3 + 3) = 1/2, one bit of the two each key holds
    policy = one_hot_policy(math.log(3))
    assert bits_stored(policy, keys, np.arange(4)) == pytest.approx(4.0, abs=1e-5)
    assert bits_stored(one_hot_policy(0.0), keys, np.arange(4)) == pytest.approx(0.0, abs=1e-5)
    # the wrong answers, each at 1/6: 4 * (2 - log2 6), below 0, reported raw (not floored)
    wrong = bits_stored(policy, keys, np.array([1, 2, 3, 0]))
    assert wrong == pytest.approx(4 * (2 - math.log2(6)), abs=1e-5) and wrong < 0


def test_capacity_figures_count_the_table_the_held_out_keys_and_bits_per_parameter() -> None:
    policy = one_hot_policy(math.log(3))
    tables = {"bits_stored": (np.eye(4), np.arange(4)), "held_out_bits": (np.eye(4), np.zeros(4, dtype=int))}
    figures = capacity_figures(policy, tables)
    assert figures["information_bits"] == 8.0 and figures["bits_stored"] == pytest.approx(4.0, abs=1e-5)
    assert figures["held_out_bits"] == pytest.approx(1 + 3 * (2 - math.log2(6)), abs=1e-5)
    assert figures["bits_per_param"] == pytest.approx(4.0 / 20, abs=1e-6)  # 4 x 4 weights and 4 biases
    assert capacity_figures(policy, {}) == {}


@pytest.mark.parametrize(("layers", "count"), [(0, 3 * 4 + 4), (1, 3 * 5 + 5 + 5 * 4 + 4), (2, 74), (3, 104)])
def test_parameter_count_is_the_policys_trainable_scalars(layers: int, count: int) -> None:
    policy = CategoricalPolicy(3, 4, hidden=5, layers=layers)
    assert parameter_count(policy) == count
    assert sum(isinstance(module, torch.nn.Tanh) for module in policy.network) == layers
    policy.network[0].weight.requires_grad_(False)
    assert parameter_count(policy) == count - policy.network[0].weight.numel()


def test_convergence_over_the_last_fifth_of_training() -> None:
    steps = [200, 400, 600, 800, 900, 1000]
    converged, why = convergence(steps, [10, 50, 90, 100, 100.5, 101], 1000)
    assert converged is True and "+1.0% from step 800 to 1,000 (3 evaluations" in why
    converged, why = convergence(steps, [10, 50, 90, 100, 103, 105], 1000)
    assert converged is False and "+5.0%" in why
    converged, why = convergence([500, 1000], [50, 100], 1000)
    assert converged is None and "1 evaluation(s) in the last fifth of training (steps 800 to 1,000)" in why
    converged, why = convergence([800, 1000], [-3.0, 5.0], 1000)
    assert converged is None and "-3.0 at step 800" in why


def test_only_a_choice_policy_on_an_env_with_a_table_is_counted() -> None:
    plan = make_plan(Config(env_id="Memorize-v0", env_kwargs=SMALL))
    tables = measured_tables(plan)
    keys, answers = tables["bits_stored"]
    held_keys, _ = tables["held_out_bits"]
    env = plan.env.unwrapped
    assert np.array_equal(keys, env.table.keys) and np.array_equal(answers, env.table.answers)
    assert held_keys.shape == keys.shape and not (held_keys[:, None] == keys[None]).all(-1).any()
    swapped = make_plan(Config(env_id="Memorize-v0", env_kwargs={**SMALL, "held_out": True}))
    assert np.array_equal(measured_tables(swapped)["held_out_bits"][0], keys)
    point = Config(env_id="Memorize-v0", env_kwargs=SMALL, agent="regression")
    assert measured_tables(make_plan(point)) == {}
    assert measured_tables(make_plan(Config(env_id="TwoBales-v0"))) == {}


def test_layers_builds_the_policy_and_counts_in_the_memory_estimate() -> None:
    plan = make_plan(Config(agent="gaussian", layers=0, hidden=16))
    policy = build_policy(plan)
    assert [type(module).__name__ for module in policy.network] == ["Linear"]
    sizes = Sizes(observation=3, output=2, batch=10, episodes=10)
    default = memory_needs(Config(hidden=8), sizes)
    # the policy's two hidden layers and the baseline's, as before --layers: 8 * (2 * (3 + 8) + 2 + 1)
    assert default["weights (--hidden 8, --layers 2)"] == 4 * 4 * 8 * (2 * (3 + 8) + 2 + 1)
    deeper = memory_needs(Config(hidden=8, layers=5), sizes)["weights (--hidden 8, --layers 5)"]
    assert deeper - default["weights (--hidden 8, --layers 2)"] == 16 * 3 * 64  # three more 8 x 8 layers


@pytest.mark.parametrize("agent", ["regression", "gaussian", "mixture", "flow", "categorical"])
def test_every_agent_takes_layers(agent: str) -> None:
    counts = [
        parameter_count(build_policy(make_plan(Config(agent=agent, layers=layers))))
        for layers in (0, 1, 2, 3)
    ]
    assert counts[0] < counts[1] < counts[2] < counts[3]
    # each layer past the first adds a 64 x 64 layer (the flow: one in each transform's network)
    assert counts[3] - counts[2] == counts[2] - counts[1] > 64 * 64


@pytest.mark.parametrize(
    ("flags", "named"), [(["--dropout", "0.1"], "--dropout"), (["--init", "symmetric"], "--init symmetric")]
)
def test_a_noise_source_on_hidden_units_is_refused_on_a_linear_policy(
    flags: list[str], named: str, capsys
) -> None:
    assert main(["train", *flags, "--layers", "0"]) == 2
    assert f"{named} acts on the policy's hidden layers, and --layers 0 has none" in capsys.readouterr().err


def test_layers_flag_is_checked_and_documented(capsys) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["train", "--layers", "-1"])
    assert exit.value.code == 2 and "--layers: must be >= 0, got -1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    assert "--layers LAYERS hidden layers of the policy network (0: a linear policy)" in help_text


def train_memorize(logdir: Path, name: str, *flags: str) -> dict:
    """Clone Memorize-v0's 64-key, 4-answer table (128 bits) and return its evaluation.json."""
    common = ["--env-id", "Memorize-v0", "--algo", "bc", "--env-kwargs", json.dumps(SMALL), "--seed", "1"]
    common += ["--total-timesteps", "25600", "--num-envs", "256", "--eval-every", "10"]
    assert main(["train", *common, *flags, "--logdir", str(logdir), "--run-name", name]) == 0
    return json.loads((logdir / name / "evaluation.json").read_text())


@pytest.mark.slow
def test_behaviour_cloning_stores_the_table_and_a_tiny_network_stores_less(tmp_path: Path, capsys) -> None:
    full = train_memorize(tmp_path, "full")
    assert full["information_bits"] == 128.0
    assert full["parameters"] == 16 * 64 + 64 + 64 * 64 + 64 + 64 * 4 + 4
    assert full["bits_stored"] > 0.9 * 128 and full["held_out_bits"] <= 0  # memory, nothing that generalises
    assert full["bits_per_param"] == pytest.approx(full["bits_stored"] / full["parameters"])
    assert full["converged"] in (True, False) and "evaluations in the last fifth" in full["convergence"]
    printed = capsys.readouterr().out
    assert f"policy parameters: {full['parameters']:,}" in printed and "bits stored: " in printed
    events = EventAccumulator(str(tmp_path / "full"))
    events.Reload()
    assert [event.value for event in events.Scalars("charts/parameters")] == [full["parameters"]]
    logged = events.Scalars("eval/bits_stored")  # every evaluation, the last one the final figure
    assert [event.step for event in logged] == [2560 * update for update in range(1, 11)]
    assert logged[-1].value == pytest.approx(full["bits_stored"], rel=1e-6)
    tiny = train_memorize(tmp_path, "tiny", "--layers", "0")
    assert tiny["parameters"] == 16 * 4 + 4 and 0 < tiny["bits_stored"] < full["bits_stored"] - 20
    out = tmp_path / "again.json"
    assert main(["evaluate", str(tmp_path / "tiny"), "--json", str(out)]) == 0
    again = json.loads(out.read_text())
    assert {name: again[name] for name in ("parameters", "bits_stored", "held_out_bits")} == {
        name: tiny[name] for name in ("parameters", "bits_stored", "held_out_bits")
    }


@pytest.mark.slow
def test_a_resumed_run_judges_convergence_on_the_uninterrupted_runs_evaluations(tmp_path: Path) -> None:
    from rlnoise.train import resume, train

    settings = dict(env_id="Memorize-v0", algo="bc", env_kwargs=SMALL, total_timesteps=40 * 256, num_envs=256,
                    eval_every=4, eval_contexts=8, eval_samples=8, logdir=str(tmp_path))  # fmt: skip
    whole = train(Config(**settings, run_name="whole"), progress=False)
    calls = iter(range(10**6))
    stopped = train(
        Config(**settings, run_name="cut"),
        progress=False,
        stop=lambda: "SIGINT" if next(calls) == 34 else None,
    )
    assert stopped["interrupted"] and stopped["global_step"] == 34 * 256
    resumed = resume(tmp_path / "cut", progress=False)
    figures = ("bits_stored", "held_out_bits", "converged", "convergence")
    assert {name: resumed[name] for name in figures} == {name: whole[name] for name in figures}
    assert "from step 8,192 to 10,240 (3 evaluations" in whole["convergence"]


def test_measuring_the_bits_of_a_noisy_network_draws_nothing_from_training_s_generator() -> None:
    plan = make_plan(Config(env_id="Memorize-v0", algo="bc", env_kwargs=SMALL, weight_noise=0.3))
    torch.manual_seed(0)
    policy = build_policy(plan)  # its weights' noise draws in the eval() state too
    tables = measured_tables(plan)
    state = torch.get_rng_state()
    first = capacity_figures(policy, tables, seed=1)
    assert torch.equal(state, torch.get_rng_state())  # training's generator as it was
    assert capacity_figures(policy, tables, seed=1) == first  # the run's seed gives the same figures
    assert capacity_figures(policy, tables, seed=2)["bits_stored"] != first["bits_stored"]  # noise drawn
