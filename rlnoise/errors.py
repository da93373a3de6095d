"""The error a command reports as one line and exit code 2, without a traceback."""


class UsageError(Exception):
    """A user mistake: bad input, an unknown name, a run directory that already exists."""
