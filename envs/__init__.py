"""rlnoise's built-in environments, registered with Gymnasium on import.

Registration stores entry-point strings only, so importing this package is light: an
environment's module (and whatever it needs) is imported when the environment is made.
"""

import gymnasium as gym

gym.register(
    id="TwoBales-v0",
    entry_point="envs.two_bales:TwoBalesEnv",
    vector_entry_point="envs.two_bales:TwoBalesVectorEnv",
)
