"""What a run writes to TensorBoard, read back as TensorBoard reads it."""

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

from rlnoise.config import Config
from rlnoise.logger import trial_name
from rlnoise.train import train


def test_event_files_hold_scalars_histograms_config_and_hparams(tmp_path):
    config = Config(logdir=str(tmp_path), run_name="logged", total_timesteps=20 * 1024, eval_every=10)
    result = train(config, progress=False)
    run_directory = tmp_path / "logged"
    assert [path.name for path in tmp_path.iterdir()] == ["logged"]  # no stray sub-run for hparams
    events = EventAccumulator(str(run_directory), size_guidance={"tensors": 0, "histograms": 0})
    events.Reload()
    tags = events.Tags()
    for tag in (
        "charts/episodic_return",
        "charts/SPS",
        "losses/policy_loss",
        "losses/value_loss",
        "losses/entropy",
        "eval/sampled/return",
        "eval/deterministic/return",
        "multimodality/sampled/coverage",
        "multimodality/sampled/mode_entropy",
        "multimodality/deterministic/collapse_rate",
    ):
        assert tag in tags["scalars"], tag
    logged = {mode: events.Scalars(f"eval/{mode}/return") for mode in ("sampled", "deterministic")}
    assert [event.step for event in logged["sampled"]] == [10 * 1024, 20 * 1024]  # mid-run, at the end
    for mode, events_ in logged.items():  # the final evaluation's figures, as the run returned them
        assert events_[-1].value == pytest.approx(result[mode]["return"], rel=1e-6)
    assert all(event.value > 0 for event in events.Scalars("losses/entropy"))
    for tag in ("charts/episodic_return", "losses/policy_loss", "losses/entropy"):  # one per update
        assert [event.step for event in events.Scalars(tag)] == [1024 * update for update in range(1, 21)]
    assert {"charts/actions", "eval/sampled/actions"} <= set(tags["histograms"])
    assert "config/text_summary" in tags["tensors"]
    config_text = events.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "ent_coef" in config_text and "TwoBales-v0" in config_text
    plugins = events.PluginTagToContent("hparams")
    assert {"_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"} <= set(
        plugins
    )
    assert b"eval/sampled/return" in plugins["_hparams_/experiment"]
    start = HParamsPluginData.FromString(plugins["_hparams_/session_start_info"]).session_start_info
    assert {"learning_rate", "ent_coef", "dropout"} <= set(start.hparams)
    # REINFORCE's categorical agent: no PPO setting, no regression sigma, no bookkeeping
    assert not {"clip_coef", "gae_lambda", "sigma", "logdir", "run_name"} & set(start.hparams)
    assert start.group_name == "logged"
    layout_tensor = events.Tensors("custom_scalars__config__")[0].tensor_proto
    layout = layout_pb2.Layout.FromString(layout_tensor.string_val[0])
    first = layout.category[0]
    assert [chart.title for chart in first.chart][:2] == ["sampled return", "sampled outcome shares"]
    assert list(first.chart[1].multiline.tag) == ["multimodality/sampled/share_"]


def test_trial_names_are_short():
    config = Config(env_id="MultiGoal-v0", agent="categorical", seed=3)
    assert trial_name("MultiGoal-v0__categorical__seed3__20261204-063000-ab12", config) == "categorical s3"
    assert trial_name("categorical__seed3", config) == "categorical s3"
    assert trial_name("categorical__sigma=0.3__seed3", config) == "categorical sigma=0.3 s3"
