"""The subcommands of `rlnoise`, one module each (see `rlnoise.cli`)."""
