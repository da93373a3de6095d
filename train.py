"""Train one agent on one environment: the same as `rlnoise train` (see `--help`)."""

import sys

from rlnoise.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
