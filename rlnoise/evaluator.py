"""A run's evaluations: both ways of playing (sampled and deterministic), their figures logged,
and the pictures of where the policy acts (docs/design.md section 6).

Each evaluation plays from a generator of its own (`rlnoise.evaluation.own_generator`), so how
often a run evaluates never changes what it learns. The pictures (`rlnoise.pictures`) are drawn at
the final evaluation and every `--picture-every`-th one: `policy.png` (and, on an env of several
steps, `paths.png`) in the run directory, and each pictured scene as a TensorBoard image
(`pictures/policy_scene<i>`, `pictures/paths_scene<i>`). On an env that declares a table
(`rlnoise.capacity`) each evaluation also counts the bits the policy stores (`eval/bits_stored`,
`eval/held_out_bits`, `eval/bits_per_param`); on an env with figures of its own, `Reached` keeps
the step at which each first reached one half in deterministic play (Trap-v0: the escape time).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnoise.agents.base import Policy
from rlnoise.capacity import Capacity
from rlnoise.config import Config
from rlnoise.contract import env_figures
from rlnoise.evaluation import EVALUATIONS, Evaluation, evaluate, own_generator
from rlnoise.logger import Logger, figure_tags
from rlnoise.noise import NoiseSources
from rlnoise.pictures import draw, path_pictures, save_png, scene_cards, scenes_view, tile
from rlnoise.pictures.view import View
from rlnoise.plan import Plan


def log_ratio(modes: np.ndarray, labels: tuple[str, str]) -> float:
    """log(n_a / n_b): how much more often the episodes reached good answer `a` than `b`, with one
    episode added to each count so that a policy that never reaches one stays finite."""
    counts = [int(np.sum(modes == label)) + 1 for label in labels]
    return float(np.log(counts[0] / counts[1]))


def run_picture(config: Config, step: int, seen: View) -> np.ndarray:
    """A run's picture of where its policy acts at `step` (`rlnoise.pictures`), titled with the run."""
    return draw(seen, f"{config.agent} on {config.env_id}, seed {config.seed}, step {step}")


HALF = 0.5
"""The value of an environment's own figure whose first reaching is recorded (`Reached`)."""


class Reached:
    """The step at which each of the environment's own figures (`env_figures`) first reached one
    half in deterministic play, None until it does (Trap-v0's escape: the escape time); kept
    in the run's checkpoint, so that a resumed run reports the step the uninterrupted one would."""

    def __init__(self, plan: Plan):
        self.declared = bool(env_figures(plan.env, np.array([None], dtype=object)))
        self.steps: dict[str, int | None] = {}

    def see(self, results: dict[str, dict[str, Any]], step: int) -> None:
        """Note the figures of an evaluation at `step`."""
        for name, value in results["deterministic"].get("env_figures", {}).items():
            if self.steps.get(name) is None:
                self.steps[name] = step if value >= HALF else None

    def saved(self) -> dict[str, Any]:
        """What the checkpoint keeps of it, by name: itself on an env with figures, else nothing."""
        return {"reached": self} if self.declared else {}

    def state_dict(self) -> dict[str, int | None]:
        """The steps so far (empty before the first evaluation)."""
        return dict(self.steps)

    def load_state_dict(self, state: dict[str, int | None]) -> None:
        """Continue from the steps a checkpoint saved."""
        self.steps = dict(state)

    def figures(self) -> dict[str, Any]:
        """`reached`, by figure: the step it first reached one half, or None (on an env with figures)."""
        return {"reached": dict(self.steps)} if self.declared else {}


class Evaluator:
    """Evaluates a run's policy as its plan says, logs the figures and draws the pictures."""

    def __init__(
        self,
        plan: Plan,
        policy: Policy,
        sources: NoiseSources,
        logger: Logger,
        capacity: Capacity,
        reached: Reached,
    ):
        self.plan, self.policy, self.sources, self.logger = plan, policy, sources, logger
        self.capacity, self.reached = capacity, reached
        self.bits: dict[str, float] = {}
        """The bits figures of the last evaluation (`rlnoise.capacity`), when the env has a table."""
        config = plan.config
        self.evaluation = Evaluation.planned(
            plan.env,
            config.env_id,
            config.env_kwargs,
            config.eval_contexts,
            config.eval_samples,
            config.seed,
            config.device,
        )
        self.envs = self.evaluation.make_envs()

    def evaluate(self, step: int, final: bool, pictured: bool) -> dict[str, dict[str, Any]]:
        """Evaluate both ways and log the figures (the intervals, which TensorBoard does not show,
        only when `final`); draw the pictures when `pictured`."""
        writer = self.logger.writer
        with self.sources.evaluating():  # sampled play as the rollouts act (rlnoise.noise)
            results, episodes = evaluate(self.policy, self.plan.adapter, self.evaluation, self.envs, final)
        for tag, value in figure_tags(results).items():
            writer.add_scalar(tag, value, step)
        for way in EVALUATIONS:
            writer.add_histogram(f"eval/{way}/actions", episodes[way].actions, step)
        self.reached.see(results, step)
        self.bits = self.capacity.measure(self.policy, step)  # in the `eval()` state: draws nothing
        for name in ("bits_stored", "held_out_bits", "bits_per_param"):
            if name in self.bits:
                writer.add_scalar(f"eval/{name}", self.bits[name], step)
        labels = self.evaluation.labels
        if len(labels) >= 2:  # 0 when sampled play reaches the first two good answers alike
            ratio = log_ratio(episodes["sampled"].modes, (labels[0], labels[1]))
            writer.add_scalar("multimodality/log_ratio", ratio, step)
        if pictured:
            # the policy sampled evaluation plays, drawn from a generator of its own: training's untouched
            with self.sources.evaluating(), own_generator(self.plan.config.device, self.evaluation.seed):
                self.draw_pictures(episodes["sampled"].observations, step)
        return results

    def draw_pictures(self, observations: np.ndarray, step: int) -> None:
        """Save policy.png (and paths.png) and log each pictured scene's card to TensorBoard."""
        config, env, adapter = self.plan.config, self.plan.env, self.plan.adapter
        directory, writer = self.logger.directory, self.logger.writer
        seen = scenes_view(self.policy, adapter, env, observations, config.device)
        save_png(run_picture(config, step, seen), directory / "policy.png")
        title = f"{config.agent}, seed {config.seed}, step {step:,}"
        for scene, card in enumerate(scene_cards(seen, title)):  # each at its own size in a Time Series card
            writer.add_image(f"pictures/policy_scene{scene}", card, step, dataformats="HWC")
        scenes = path_pictures(self.policy, adapter, env, self.evaluation, observations, title)
        for scene, scene_image in enumerate(scenes):
            writer.add_image(f"pictures/paths_scene{scene}", scene_image, step, dataformats="HWC")
        if scenes:
            save_png(tile(scenes), directory / "paths.png")
