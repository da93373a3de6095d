"""The errors a command reports as one line, without a traceback: exit code 2, or 1."""


class UsageError(Exception):
    """A user mistake: bad input, an unknown name, a run directory that already exists (exit 2)."""


class RunError(Exception):
    """A run that could not finish: a file it could not write, a training that diverged (exit 1)."""
