"""rlnoise: a reinforcement-learning sandbox in which randomness is the experimental variable."""

__version__ = "0.1.0"
