"""Shared test set-up: the built-in environments registered, as the command layer does."""

import envs  # noqa: F401  registers the built-in environments with gymnasium
