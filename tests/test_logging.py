"""What a run writes to TensorBoard, read back as TensorBoard reads it."""

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlnoise.config import Config
from rlnoise.train import train


def test_event_files_hold_scalars_histograms_config_and_hparams(tmp_path):
    config = Config(logdir=str(tmp_path), run_name="logged", total_timesteps=20 * 1024, eval_every=10)
    train(config, progress=False)
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
    assert len(events.Scalars("eval/sampled/return")) == 2  # one evaluation mid-run, one at the end
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
    assert b"learning_rate" in plugins["_hparams_/session_start_info"]
