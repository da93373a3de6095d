"""Train one agent on one environment: the same as `rlnoise train` (see `--help`)."""

import sys

from rlnoise.cli import run

if __name__ == "__main__":
    run(["train", *sys.argv[1:]])
