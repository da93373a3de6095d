"""The environment contract: every registered environment keeps every rule, and a broken one fails.

The same checks run as `rlnoise check-env ID` (rlnoise/checks/); here they run on every
environment rlnoise registers (every spec whose entry point is in `envs.`), so a new built-in
environment is tested as soon as it is registered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

from rlnoise import agents
from rlnoise.checks import CHECKS, checks
from rlnoise.cli import main
from rlnoise.contract import RULES, ContractError, Symmetry, draw_starts
from rlnoise.envs.two_bales import TwoBalesEnv, TwoBalesVectorEnv

BUILT_IN = sorted(
    spec.id
    for spec in gym.registry.values()
    if isinstance(spec.entry_point, str) and spec.entry_point.startswith("rlnoise.envs.")
)
CHECKS_BY_NAME = dict((name, check) for name, _, check in checks(list(agents.AGENTS)))


def readme_environments() -> list[str]:
    """The env ids in the first column of the README's table of environments."""
    section = (Path(__file__).parents[1] / "README.md").read_text().split("\n## Environments\n")[1]
    rows = [line.split("|")[1] for line in section.split("\n### ")[0].splitlines() if line.startswith("| `")]
    return sorted(env_id for row in rows for env_id in re.findall(r"`([\w-]+-v\d+)`", row))


def test_the_built_in_environments_are_those_the_readme_lists() -> None:
    assert len(BUILT_IN) >= 6 and readme_environments() == BUILT_IN


@pytest.mark.parametrize("env_id", BUILT_IN)
def test_built_in_environment_resolves_to_its_classes_with_the_contract_declarations(env_id: str) -> None:
    env = gym.make(env_id).unwrapped
    vector = gym.make_vec(env_id, 2, vectorization_mode="vector_entry_point")
    assert type(env).__module__ == gym.spec(env_id).entry_point.split(":")[0]
    assert type(vector).__module__ == type(env).__module__  # a native vector env beside the class
    assert vector.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert isinstance(env.mode_labels, tuple) and env.mode_labels
    assert {"ansi", "rgb_array"} <= set(env.metadata["render_modes"])


def test_every_rule_has_one_check_and_a_broken_environment_that_fails_it() -> None:
    assert [rule.name for rule in RULES] == list(CHECKS)
    assert {case.split(" ")[0] for case in BROKEN} | {"trains"} == set(CHECKS)


@pytest.mark.parametrize("name", CHECKS_BY_NAME)
@pytest.mark.parametrize("env_id", BUILT_IN)
def test_built_in_environment_keeps_the_rule(env_id: str, name: str) -> None:
    CHECKS_BY_NAME[name](env_id, {})


# Deliberately broken environments: TwoBales with one rule broken each.


class InfolessReset(TwoBalesEnv):
    """Returns the observation alone from reset, without the info dict of the Gymnasium API."""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        return super().reset(seed=seed, options=options)[0]


class UnseededReset(TwoBalesEnv):
    """Draws its scene from numpy's global generator instead of `self.np_random`."""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        observation, info = super().reset(seed=seed, options=options)
        self.scene = np.array([np.random.uniform(-0.5, 0.5), observation[1]], dtype=np.float32)
        return self.scene.copy(), info


class FalseSymmetry(TwoBalesEnv):
    """Declares a shift of the scene as a symmetry, but the action does not follow it."""

    symmetries = (Symmetry("shift", lambda observation: observation + np.float32([0.3, 0.0]), lambda a: a),)


class UndeclaredMode(TwoBalesEnv):
    """Reports a mode label it does not declare."""

    def step(self, action: np.ndarray):
        observation, reward, terminated, truncated, _ = super().step(action)
        return observation, reward, terminated, truncated, {"mode": "middle"}


class UnreachableLabel(TwoBalesEnv):
    """Declares a third good answer that no episode ever reports."""

    mode_labels = ("left", "right", "middle")


class BetweenEverywhere(TwoBalesEnv):
    """Reports every episode as ended between the bales, the bales themselves too."""

    def step(self, action: np.ndarray):
        observation, reward, terminated, truncated, info = super().step(action)
        return observation, reward, terminated, truncated, {**info, "between": True}


class BetweenNowhere(TwoBalesEnv):
    """Reports no episode as ended between the bales, the midpoint too."""

    def step(self, action: np.ndarray):
        observation, reward, terminated, truncated, info = super().step(action)
        return observation, reward, terminated, truncated, {**info, "between": False}


class NoBetween(TwoBalesEnv):
    """Does not say where its misses land."""

    def step(self, action: np.ndarray):
        observation, reward, terminated, truncated, info = super().step(action)
        return observation, reward, terminated, truncated, {"mode": info["mode"]}


class ListRender(TwoBalesEnv):
    """Renders an image as a nested list instead of an array."""

    def render(self):
        frame = super().render()
        return frame.tolist() if isinstance(frame, np.ndarray) else frame


class NoLabels(TwoBalesEnv):
    """Declares no mode labels."""

    mode_labels = ()


class BadTrainingDefaults(TwoBalesEnv):
    """Declares a training default that no flag would accept."""

    training_defaults: ClassVar[dict[str, Any]] = {"bins": 1}


class MidpointExpert(TwoBalesEnv):
    """Declares an expert that walks to the midpoint, where neither bale is."""

    def expert(self, observations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(observations, dtype=np.float32)[:, :1]


class OneSidedExpert(TwoBalesEnv):
    """Declares an expert that always walks to the left bale."""

    def expert(self, observations: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        scenes = np.asarray(observations, dtype=np.float32)
        return scenes[:, :1] - scenes[:, 1:]


class NanReward(TwoBalesEnv):
    """Rewards every walk with NaN: no agent can learn from it."""

    def step(self, action: np.ndarray):
        observation, _, terminated, truncated, info = super().step(action)
        return observation, float("nan"), terminated, truncated, info


class SeedlessVectorEnv(TwoBalesVectorEnv):
    """Ignores the list of seeds: its scenes do not match the single environment's."""

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None):
        return super().reset(seed=seed[0] if isinstance(seed, list) else seed, options=options)


BROKEN = {
    "gymnasium-api": (InfolessReset, TwoBalesVectorEnv),
    "seed-determinism": (UnseededReset, TwoBalesVectorEnv),
    "symmetries": (FalseSymmetry, TwoBalesVectorEnv),
    "modes": (UndeclaredMode, TwoBalesVectorEnv),
    "between (good answers between)": (BetweenEverywhere, None),
    "between (average not between)": (BetweenNowhere, None),
    "render": (ListRender, TwoBalesVectorEnv),
    "declarations": (NoLabels, TwoBalesVectorEnv),
    "declarations (training defaults)": (BadTrainingDefaults, TwoBalesVectorEnv),
    "vector-env": (TwoBalesEnv, SeedlessVectorEnv),
    "expert (no good answer)": (MidpointExpert, TwoBalesVectorEnv),
    "expert (one good answer only)": (OneSidedExpert, TwoBalesVectorEnv),
}


@pytest.fixture
def register() -> Iterator[Any]:
    """Register environments for one test, and remove them afterwards."""
    ids = []

    def register(env_id: str, entry_point: Any, vector_entry_point: Any) -> str:
        gym.register(env_id, entry_point=entry_point, vector_entry_point=vector_entry_point)
        ids.append(env_id)
        return env_id

    yield register
    for env_id in ids:
        del gym.registry[env_id]


@pytest.mark.parametrize("case", BROKEN)
def test_broken_environment_fails_the_rule_it_breaks(case: str, register: Any) -> None:
    env_id = register("BrokenBales-v0", *BROKEN[case])
    rule = case.split(" ")[0]
    with pytest.raises(ContractError) as error:
        CHECKS[rule](env_id, {})
    assert error.value.rule.name == rule
    message = str(error.value)
    assert f"rule {rule!r} broken" in message
    assert "to mend:" in message


@pytest.mark.filterwarnings("ignore:.*The reward is a NaN value")
def test_an_environment_no_agent_can_train_on_fails_the_trains_rule(register: Any) -> None:
    env_id = register("NanBales-v0", NanReward, None)
    with pytest.raises(ContractError) as error:
        CHECKS_BY_NAME["trains (regression)"](env_id, {})
    assert error.value.rule.name == "trains" and "agent 'regression'" in str(error.value)


def test_unreachable_label_is_named() -> None:
    gym.register("Unreachable-v0", entry_point=UnreachableLabel)
    try:
        with pytest.raises(ContractError, match="no episode reached 'middle'"):
            CHECKS["modes"]("Unreachable-v0", {})
    finally:
        del gym.registry["Unreachable-v0"]


@pytest.mark.slow  # check-env trains every agent: 2 to 4 s
def test_check_env_warns_when_the_env_does_not_say_what_is_between(
    register: Any, capsys: pytest.CaptureFixture
) -> None:
    env_id = register("NoBetween-v0", NoBetween, None)
    assert main(["check-env", env_id]) == 0
    lines = capsys.readouterr().out.splitlines()
    warning = next(line for line in lines if line.startswith("warn  between"))
    assert 'does not report info["between"]' in warning and "diffuse" in warning
    assert lines[-1] == f"{env_id}: all rules pass"


@pytest.mark.slow  # check-env trains every agent: 2 to 4 s
def test_check_env_command_names_the_broken_rule(register: Any, capsys: pytest.CaptureFixture) -> None:
    env_id = register("BrokenBales-v0", FalseSymmetry, TwoBalesVectorEnv)
    assert main(["check-env", env_id]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "FAIL  symmetries" in "\n".join(lines)
    assert sum(line.startswith("pass  ") for line in lines) == len(CHECKS_BY_NAME) - 1
    assert lines[-1] == f"{env_id}: 1 rule(s) broken"


def test_check_env_unknown_id_is_one_line_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert main(["check-env", "TwoBale-v0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "unknown env id 'TwoBale-v0'" in captured.err


def test_draw_starts_seeds_the_vector_env_and_draws_once_per_distinct_seed() -> None:
    vector = TwoBalesVectorEnv(4)
    sizes: list[int | None] = []

    def draw(generator: np.random.Generator, size: int | None) -> np.ndarray:
        sizes.append(size)
        return generator.uniform(size=2 if size is None else (size, 2))

    starts = draw_starts(vector, [7, 7, 8, 7], draw)
    assert sizes == [None, None] and (starts[0] == starts[3]).all() and (starts[0] != starts[2]).all()
    assert vector.np_random_seed == 7  # seeded through gymnasium's VectorEnv.reset, as a native env must be
    draw_starts(vector, 5, draw)
    assert sizes[-1] == 4 and vector.np_random_seed == 5


def test_check_env_says_what_a_native_vector_env_would_gain(monkeypatch: pytest.MonkeyPatch) -> None:
    from rlnoise.checks import ContractWarning, replay

    gym.register("SlowBales-v0", entry_point=TwoBalesEnv, max_episode_steps=1)
    try:
        monkeypatch.setattr(replay, "SLOW_STEPS_PER_SECOND", 10**12)
        with pytest.raises(ContractWarning, match=r"steps/s, \d+ s of a default run's.*"):
            replay.check_vector_env("SlowBales-v0", {})
        monkeypatch.setattr(replay, "SLOW_STEPS_PER_SECOND", 0)
        assert replay.check_vector_env("SlowBales-v0", {}).endswith("steps/s")
    finally:
        del gym.registry["SlowBales-v0"]


class TruncatingVectorEnv(TwoBalesVectorEnv):
    """Reports every one-step episode as truncated too, where the single env says (True, False)."""

    def step(self, actions: np.ndarray):
        observations, rewards, terminated, truncated, infos = super().step(actions)
        return observations, rewards, terminated, np.ones_like(truncated), infos


def test_vector_env_failure_prints_both_ends(register: Any) -> None:
    env_id = register("TruncatingBales-v0", TwoBalesEnv, TruncatingVectorEnv)
    with pytest.raises(ContractError) as error:
        CHECKS["vector-env"](env_id, {})
    message = str(error.value)
    assert "(terminated, truncated) (True, True) != the single env's (True, False)" in message


@pytest.mark.slow
def test_check_env_says_when_the_start_states_do_not_vary(capsys: pytest.CaptureFixture) -> None:
    assert main(["check-env", "TwoBales-v0", "--env-kwargs", '{"center": 0.1, "half_gap": 0.6}']) == 0
    assert any(
        line.startswith("note  start states           do not vary")
        for line in capsys.readouterr().out.splitlines()
    )
    assert main(["check-env", "TwoBales-v0"]) == 0
    assert "do not vary" not in capsys.readouterr().out


def test_an_env_with_a_fixed_start_is_evaluated_as_one_start_state_played_contexts_x_samples_times() -> None:
    import gymnasium as gym

    from rlnoise.config import Config
    from rlnoise.evaluation import Evaluation, evaluate, fixed_start
    from rlnoise.plan import build_policy, make_plan

    fixed = gym.make("TwoBales-v0", center=0.1, half_gap=0.6)
    assert (
        fixed_start(fixed)
        and not fixed_start(gym.make("TwoBales-v0"))
        and fixed_start(gym.make("GoOpening-v0"))
    )
    evaluation = Evaluation.planned(
        fixed, "TwoBales-v0", {"center": 0.1, "half_gap": 0.6}, 4, 3, seed=0, device="cpu"
    )
    assert (evaluation.contexts, evaluation.samples, evaluation.fixed_start) == (1, 12, True)
    drawn = Evaluation.planned(gym.make("TwoBales-v0"), "TwoBales-v0", {}, 4, 3, seed=0, device="cpu")
    assert (drawn.contexts, drawn.samples, drawn.fixed_start) == (4, 3, False)
    plan = make_plan(Config(), fixed)
    policy, adapter = build_policy(plan), plan.adapter
    results, episodes = evaluate(policy, adapter, evaluation)
    assert episodes["sampled"].modes.shape == (1, 12)
    assert len(results["sampled"]["state_outcomes"]) == 1  # one state, not four copies of it
