"""The training algorithms, one module each, every one reading top to bottom.

Each module has `train(plan, run)`: it builds what it optimises, then collects, computes its loss,
takes its gradient step with every extra that touches it, logs, evaluates and checkpoints, calling
the pieces the algorithms share (`rlnoise.run`, `rlnoise.gradients`, `rlnoise.rollout`) by name.
`rlnoise.train.TRAINERS` maps each `--algo` name (`rlnoise.config.ALGORITHMS`) to its `train`.
"""
