"""Pictures: chosen from the environment's declarations, logged to TensorBoard and saved as PNG."""

import io

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from matplotlib.image import imread
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlnoise import envs  # noqa: F401  registers TwoBales-v0
from rlnoise.config import Config
from rlnoise.pictures.canvas import CARD_WIDTH, SCENE_SIZE, new_figure
from rlnoise.pictures.panels import _board, _scene_title
from rlnoise.pictures.results import _mark_empty
from rlnoise.pictures.view import View, distinct_scenes, view
from rlnoise.plan import build_policy, make_plan
from rlnoise.train import train


class BoardEnv(gym.Env):
    """A one-step 3x3 board with a black stone on the centre: a reply next to it is good."""

    metadata = {"render_modes": []}  # noqa: RUF012
    mode_labels = ("contact",)
    action_coordinates = np.array([[x, y] for y in range(3) for x in range(3)] + [[np.nan, np.nan]])

    def __init__(self):
        self.observation_space = spaces.Box(0, 1, (3, 3, 3), np.float32)
        self.action_space = spaces.Discrete(10)
        self.planes = np.zeros((3, 3, 3), np.float32)
        self.planes[1, 1, 1] = 1

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.planes.copy(), {}

    def step(self, action):
        contact = int(action) in (1, 3, 5, 7)
        return self.planes.copy(), float(contact), True, False, {"mode": "contact" if contact else None}

    def landmarks(self, observation):
        return {"black": [[1, 1]]}


class ChoiceEnv(gym.Env):
    """A one-step choice among three actions without coordinates: the first two are good."""

    metadata = {"render_modes": []}  # noqa: RUF012
    mode_labels = ("a", "b")

    def __init__(self):
        self.observation_space = spaces.Box(0, 1, (1,), np.float32)
        self.action_space = spaces.Discrete(3)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(1, np.float32), {}

    def step(self, action):
        mode = ("a", "b", None)[int(action)]
        return np.zeros(1, np.float32), float(mode is not None), True, False, {"mode": mode}


gym.register("PictureBoard-v0", entry_point=BoardEnv)
gym.register("PictureChoice-v0", entry_point=ChoiceEnv)


def policy_for(env, agent):
    torch.manual_seed(0)
    plan = make_plan(Config(agent=agent), env)
    return build_policy(plan), plan.adapter


def start_observations(env, contexts=8):
    return np.stack([env.reset(seed=seed)[0] for seed in range(contexts)])


def test_board_view_has_probabilities_pass_and_the_point_rounded_to_a_free_action():
    env = BoardEnv()
    observations = start_observations(env)
    policy, adapter = policy_for(env, "categorical")
    seen = view(policy, adapter, env, distinct_scenes(observations))
    assert len(seen.observations) == 1  # one start state: one scene
    logits = policy.network(torch.as_tensor(observations[:1]).reshape(1, -1)).detach()
    expected = torch.softmax(logits, -1).numpy()[0]
    np.testing.assert_allclose(seen.probabilities[0], expected, rtol=1e-5)
    np.testing.assert_allclose(seen.played[0], env.action_coordinates[expected.argmax()])
    assert set(seen.landmarks[0]) == {"black"} and seen.landmarks[0]["black"].tolist() == [[1.0, 1.0]]

    policy, adapter = policy_for(env, "regression")
    seen = view(policy, adapter, env, observations[:1])
    point = seen.point[0]
    distances = np.nansum((env.action_coordinates[:9] - point) ** 2, axis=1)
    np.testing.assert_allclose(seen.played[0], env.action_coordinates[distances.argmin()])
    np.testing.assert_allclose(seen.spread[0], [1.0, 1.0])  # the regression agent's default sigma


def test_two_bales_view_shows_the_bales_and_both_agents():
    env = gym.make("TwoBales-v0")
    observations = start_observations(env)
    policy, adapter = policy_for(env, "categorical")
    seen = view(policy, adapter, env, distinct_scenes(observations))
    assert len(seen.observations) == 4 and seen.coordinates.shape == (41, 1)
    np.testing.assert_allclose(seen.probabilities.sum(axis=1), 1.0, rtol=1e-5)
    centre, half_gap = observations[0]
    np.testing.assert_allclose(seen.landmarks[0]["bales"].ravel(), [centre - half_gap, centre + half_gap])
    policy, adapter = policy_for(env, "regression")
    seen = view(policy, adapter, env, observations[:2])
    assert seen.probabilities is None and seen.point.shape == (2, 1) and np.all(seen.spread == 1.0)


def test_an_env_without_coordinates_gets_a_histogram_of_its_action_numbers():
    env = ChoiceEnv()
    policy, adapter = policy_for(env, "categorical")
    seen = view(policy, adapter, env, start_observations(env, 2)[:1])
    assert seen.indexed and seen.coordinates.ravel().tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("env_id", "agent"),
    [
        ("PictureBoard-v0", "categorical"),
        ("TwoBales-v0", "regression"),
        ("PictureChoice-v0", "categorical"),
    ],
)
def test_every_kth_evaluation_and_the_last_log_the_picture_policy_png_is_the_last(tmp_path, env_id, agent):
    config = Config(env_id=env_id, agent=agent, logdir=str(tmp_path), run_name="run", num_envs=64,
                    total_timesteps=3 * 64, eval_every=1, picture_every=2, eval_contexts=4,
                    eval_samples=4)  # fmt: skip
    train(config, progress=False)
    events = EventAccumulator(str(tmp_path / "run"), size_guidance={"images": 0})
    events.Reload()
    scenes = len(distinct_scenes(start_observations(gym.make(env_id), 4)))
    for scene in range(scenes):  # one card per scene, at the size a Time Series card shows as it is
        images = events.Images(f"pictures/policy_scene{scene}")
        assert [image.step for image in images] == [2 * 64, 3 * 64]  # the second evaluation and the last
        logged = imread(io.BytesIO(images[-1].encoded_image_string))
        assert logged.shape == (SCENE_SIZE[1], SCENE_SIZE[0], 3)  # logged as HWC RGB, not CHW
        assert logged.std() > 0.05  # something is drawn
    assert f"pictures/policy_scene{scenes}" not in events.Tags()["images"]
    saved = imread(tmp_path / "run" / "policy.png")  # every scene in one picture
    assert saved.shape[1] == CARD_WIDTH and saved[..., :3].std() > 0.05


def test_a_scene_is_labelled_with_the_names_the_env_declares_for_its_observation():
    env = gym.make("TwoBales-v0")
    policy, adapter = policy_for(env, "categorical")
    seen = view(policy, adapter, env, start_observations(env, 1))
    centre, half_gap = seen.observations[0]
    assert _scene_title(seen, 0) == f"scene 0: c={centre:.2f}, d={half_gap:.2f}"
    seen.observation_names = ()  # an env that declares none: the numbers, said to be the observation
    assert _scene_title(seen, 0) == f"scene 0: observation [{centre:.2f}, {half_gap:.2f}]"


def test_a_bar_without_height_is_still_seen():
    _, axes = new_figure(1, 1, (3.0, 2.0), left=0.5, right=0.2)
    ax = axes[0, 0]
    _mark_empty(ax, 0.0, 0.2, float("nan"), "C0")
    _mark_empty(ax, 1.0, 0.2, 0.0, "C1")
    _mark_empty(ax, 2.0, 0.2, 0.5, "C2")  # a bar with height needs no mark
    assert [text.get_text() for text in ax.texts] == ["n/a"]
    assert [line.get_xydata()[:, 1].tolist() for line in ax.lines] == [[0.0, 0.0]]


def drawn_board(seen, scene=0):
    """The axes `_board` draws one scene of a view on."""
    figure, axes = new_figure(1, 1, (3.6, 3.5), left=0.5, right=1.0)
    _board(axes[0, 0], seen, scene, vmax=1.0 if seen.probabilities is not None else None)
    figure.canvas.draw()
    return axes[0, 0]


def tick_labels(ticks):
    return [tick.get_text() for tick in ticks]


def test_a_box_heatmap_is_in_action_coordinates_with_cells_centred_on_the_bins():
    env = gym.make("MultiGoal-v0")  # velocity actions in [-1, 1]^2
    torch.manual_seed(0)
    plan = make_plan(Config(env_id="MultiGoal-v0", agent="categorical", bins=5), env)
    policy, adapter = build_policy(plan), plan.adapter
    ax = drawn_board(view(policy, adapter, env, start_observations(env, 1)))
    bins = [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert ax.get_xticks().tolist() == bins and ax.get_yticks().tolist() == bins
    assert tick_labels(ax.get_xticklabels()) == ["-1", "-0.5", "0", "0.5", "1"]
    assert tick_labels(ax.get_yticklabels()) == ["-1", "-0.5", "0", "0.5", "1"]
    np.testing.assert_allclose(ax.get_images()[0].get_extent(), [-1.25, 1.25, -1.25, 1.25])
    assert ax.get_xlim() == (-1.25, 1.25) and ax.get_ylim() == (-1.25, 1.25)


def test_a_board_keeps_its_rows_and_columns_numbered_from_one():
    env = BoardEnv()
    policy, adapter = policy_for(env, "categorical")
    ax = drawn_board(view(policy, adapter, env, start_observations(env, 1)))
    assert ax.get_xticks().tolist() == [0, 1, 2] and tick_labels(ax.get_xticklabels()) == ["1", "2", "3"]
    assert tick_labels(ax.get_yticklabels()) == ["1", "2", "3"]
    np.testing.assert_allclose(ax.get_images()[0].get_extent(), [-0.5, 2.5, -0.5, 2.5])


def box_point_view(point, spread=1.0):
    """A point policy's view on the box [-1, 1]^2: its point, its spread, the clipped action it plays."""
    point = np.array([point], np.float64)
    return View(observations=np.zeros((1, 2)), coordinates=np.empty((0, 2)), low=-np.ones(2),
                high=np.ones(2), played=np.clip(point, -1, 1), landmarks=[{}], point=point,
                spread=np.full((1, 2), spread))  # fmt: skip


def inside(limits, value):
    return min(limits) <= value <= max(limits)


def test_a_point_outside_the_box_is_shown_with_its_spread_and_the_clipped_action():
    ax = drawn_board(box_point_view([-6.2, 0.3]))
    (marker,) = [line for line in ax.get_lines() if line.get_label() == "point"]
    assert marker.get_xydata().tolist() == [[-6.2, 0.3]]
    assert ax.get_xlim()[0] <= -7.2 and ax.get_xlim()[1] >= 1 and ax.get_ylim()[1] >= 1.3
    patches = {patch.get_label(): patch for patch in ax.patches}
    assert patches["exploration (1 sd)"].get_center() == (-6.2, 0.3)
    assert patches["action range"].get_xy() == (-1.0, -1.0)
    (played,) = [points for points in ax.collections if points.get_label() == "deterministic action"]
    assert played.get_offsets().tolist() == [[-1.0, 0.3]]
    assert not ax.texts  # within reach: no note


def test_a_point_beyond_reach_is_drawn_at_the_edge_with_its_coordinates():
    ax = drawn_board(box_point_view([100.0, 0.0], spread=0.1))
    (marker,) = [line for line in ax.get_lines() if line.get_label() == "point"]
    x, y = marker.get_xydata()[0]
    assert x == ax.get_xlim()[1] < 100 and inside(ax.get_ylim(), y)
    assert [text.get_text() for text in ax.texts] == ["point (100, 0)"]


def test_a_point_inside_the_box_gets_the_box_and_the_landmarks_on_its_edge_inside_the_axes():
    seen = box_point_view([0.2, -0.1], spread=0.5)
    seen.landmarks = [{"goal directions": np.array([[1.0, 0.0], [0.0, -1.0]])}]  # on the box's edge
    ax = drawn_board(seen)
    assert ax.get_xlim() == pytest.approx((-1.1, 1.1)) and ax.get_ylim() == pytest.approx((-1.1, 1.1))
    assert "action range" in [patch.get_label() for patch in ax.patches]


def test_multi_goal_paths_end_where_their_label_says_and_the_picture_fits_a_card():
    from rlnoise.envs.multi_goal import GOAL_RADIUS, GOALS, LABELS
    from rlnoise.evaluation import Evaluation
    from rlnoise.pictures import path_pictures
    from rlnoise.pictures.paths import PATHS, play_paths

    env = gym.make("MultiGoal-v0")
    policy, adapter = policy_for(env, "regression")
    evaluation = Evaluation("MultiGoal-v0", {}, LABELS, 2, 1, seed=0)
    state = torch.get_rng_state()
    paths = play_paths(policy, adapter, env, evaluation, [0, 1], "test")
    assert torch.equal(torch.get_rng_state(), state)  # training's generator untouched
    assert [len(sampled) for sampled in paths.sampled] == [PATHS, PATHS]
    assert set(paths.landmarks[0]) == {"goals"} and paths.field is not None
    for sampled, modes in zip(paths.sampled, paths.sampled_modes, strict=True):
        for path, mode in zip(sampled, modes, strict=True):
            assert 2 <= len(path) <= 31  # the start, then one position per step, at most 30
            if mode is not None:
                assert np.linalg.norm(path[-1] - GOALS[LABELS.index(mode)]) < GOAL_RADIUS
    assert any(mode is not None for modes in paths.sampled_modes for mode in modes)  # sigma 1 reaches some
    images = path_pictures(policy, adapter, env, evaluation, start_observations(env, 2), "test")
    assert [image.shape for image in images] == [(SCENE_SIZE[1], SCENE_SIZE[0], 3)] * 2
    one_step = gym.make("TwoBales-v0")
    assert path_pictures(policy, adapter, one_step, evaluation, start_observations(env), "") == []


class WalkEnv(gym.Env):
    """A walk along a line, one step left, none or right per action (only its spaces are used)."""

    metadata = {"render_modes": []}  # noqa: RUF012
    mode_labels = ("home",)  # what every environment declares, for the plan of its policy
    action_coordinates = np.array([[-1.0], [0.0], [1.0]])

    def __init__(self):
        self.observation_space = spaces.Box(-5, 5, (1,), np.float32)
        self.action_space = spaces.Discrete(3)


def test_the_deterministic_action_over_a_line_is_its_declared_step():
    from rlnoise.pictures.paths import FIELD_POINTS, _field

    env = WalkEnv()
    policy, adapter = policy_for(env, "categorical")
    paths = [np.array([[0.0], [1.0], [2.0]]), np.array([[0.0], [-3.0]])]
    points, moves = _field(policy, adapter, env, paths, np.zeros((1, 1)), "cpu")
    np.testing.assert_allclose(points[:, 0], np.linspace(-3, 2, FIELD_POINTS))
    with torch.no_grad():
        chosen = policy.greedy(torch.as_tensor(points, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(moves[:, 0], env.action_coordinates[chosen, 0])


def test_a_card_of_one_scene_keeps_the_scene_s_number(monkeypatch):
    from matplotlib.text import Text

    import rlnoise.pictures.panels as panels

    env = gym.make("TwoBales-v0")
    policy, adapter = policy_for(env, "categorical")
    seen = view(policy, adapter, env, distinct_scenes(start_observations(env)))
    texts = []
    monkeypatch.setattr(
        panels, "pixels", lambda figure: texts.extend(t.get_text() for t in figure.findobj(Text))
    )
    panels.draw_card(seen, 2, "run")
    assert any(text.startswith("scene 2: c=") for text in texts)


@pytest.mark.slow
@pytest.mark.parametrize(
    "source",
    [
        {"dropout": 0.2},
        {"noisy_net": True},
        {"param_noise": 0.1},
        {"grad_noise": 0.1},
        {"agent": "regression"},
    ],
    ids=["dropout", "noisy_net", "param_noise", "grad_noise", "exploration"],
)
def test_pictures_draw_nothing_from_training_s_generators_with_every_noise_source(tmp_path, source):
    weights = []
    for every in (1, 100):  # every evaluation pictured, or none before the final one
        config = Config(logdir=str(tmp_path), run_name=f"every{every}", num_envs=64, total_timesteps=4 * 64,
                        eval_every=1, picture_every=every, eval_contexts=2, eval_samples=2,
                        **source)  # fmt: skip
        train(config, progress=False)
        weights.append(torch.load(tmp_path / f"every{every}" / "model.pt"))
    assert all(torch.equal(weights[0][name], weights[1][name]) for name in weights[0])


@pytest.mark.parametrize("source", [{"param_noise": 0.3}, {"dropout": 0.5}], ids=["param_noise", "dropout"])
def test_a_noise_source_s_picture_shows_the_policy_that_evaluation_plays(source):
    from rlnoise.evaluation import Evaluation, own_generator, play
    from rlnoise.noise import NoiseSources
    from rlnoise.pictures.view import DENSITY_POINTS

    config = Config(agent="regression", sigma=0.05, eval_contexts=1, eval_samples=2000, **source)
    env = gym.make("TwoBales-v0")
    torch.manual_seed(0)
    plan = make_plan(config, env)
    policy, adapter = build_policy(plan), plan.adapter
    evaluation = Evaluation.planned(env, config.env_id, {}, 1, 2000, 0, "cpu")
    sources = NoiseSources(policy, config)
    with sources.evaluating():
        played = play(
            policy, adapter, evaluation, evaluation.make_envs(), deterministic=False
        ).actions.ravel()
        with own_generator("cpu", 0):
            seen = view(policy, adapter, env, np.asarray(evaluation_scene(env))[None])
    actions = np.linspace(seen.low[0], seen.high[0], DENSITY_POINTS)
    weights = seen.density[0] / seen.density[0].sum()
    mean = float((weights * actions).sum())
    spread = float(np.sqrt((weights * (actions - mean) ** 2).sum()))
    # the noise inside the network spreads what evaluation plays far beyond the point's own sigma,
    # and the picture's density spreads as much; the point drawn is the unperturbed one it plays
    assert played.std() > 3 * config.sigma
    assert spread == pytest.approx(played.std(), rel=0.25)
    with policy.evaluating(), torch.no_grad():
        point = policy.greedy(torch.as_tensor(seen.observations, dtype=torch.float32)).numpy()
    assert seen.played[0, 0] == pytest.approx(float(point[0, 0]), abs=1e-6)


def evaluation_scene(env: gym.Env) -> np.ndarray:
    """The scene evaluation's first context starts from (reset seed 0)."""
    return env.reset(seed=0)[0]
