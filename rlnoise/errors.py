"""The errors a command reports as one line, without a traceback: exit code 2, or 1 (the codes of a
command stopped by a signal: `rlnoise.signals`)."""


class UsageError(Exception):
    """A user mistake: bad input, an unknown name, a run directory that already exists (exit 2)."""


class RunError(Exception):
    """A run that could not finish: a file it could not write, a training that diverged (exit 1)."""


def first_line(error: BaseException) -> str:
    """An exception's message, cut to its first non-empty line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
