"""rlnoise's built-in environments, registered with Gymnasium on import.

Registration stores entry-point strings only, so importing this package is light: an
environment's module (and whatever it needs) is imported when the environment is made.
"""

import gymnasium as gym

# A fixed scene (`half_gap=0.6`) has equal observation bounds, which Gymnasium's passive checker
# warns about on every make although they are valid: the full contract is checked instead by
# `rlnoise check-env` and tests/test_contract.py.
gym.register(
    id="TwoBales-v0",
    entry_point="rlnoise.envs.two_bales:TwoBalesEnv",
    vector_entry_point="rlnoise.envs.two_bales:TwoBalesVectorEnv",
    disable_env_checker=True,
)

gym.register(
    id="MultiGoal-v0",
    entry_point="rlnoise.envs.multi_goal:MultiGoalEnv",
    vector_entry_point="rlnoise.envs.multi_goal:MultiGoalVectorEnv",
    max_episode_steps=30,
)

# A table of random keys and answers to memorise (envs/memorize.py): a capacity lab.
gym.register(
    id="Memorize-v0",
    entry_point="rlnoise.envs.memorize:MemorizeEnv",
    vector_entry_point="rlnoise.envs.memorize:MemorizeVectorEnv",
)

# A dataset of random bit vectors, written one bit per step (envs/bitstrings.py): the capacity lab's
# generative task.
gym.register(
    id="Bitstrings-v0",
    entry_point="rlnoise.envs.bitstrings:BitstringsEnv",
    vector_entry_point="rlnoise.envs.bitstrings:BitstringsVectorEnv",
)

# Small-board Go: one move from a fixed position, rewarded by its value in random playouts
# (envs/go/opening.py; the values are the tables in envs/go/tables/).
for _id, _table in (
    ("GoOpening-v0", "go7_tengen_komi9"),
    ("GoOpening5x5-v0", "go5_tengen_komi25"),
    ("GoOpening9x9-v0", "go9_tengen_komi7"),
    ("GoFirstMoveControl-v0", "go7_empty_komi9"),
):
    gym.register(
        id=_id,
        entry_point="rlnoise.envs.go.opening:GoOpeningEnv",
        vector_entry_point="rlnoise.envs.go.opening:GoOpeningVectorEnv",
        kwargs={"table": _table},
    )

# A trap for a point policy: a wide, shallow optimum where it starts, a narrow, higher one farther
# away (envs/trap.py). The fixed scene has equal observation bounds, as TwoBales' fixed scene.
gym.register(
    id="Trap-v0",
    entry_point="rlnoise.envs.trap:TrapEnv",
    vector_entry_point="rlnoise.envs.trap:TrapVectorEnv",
    disable_env_checker=True,
)
