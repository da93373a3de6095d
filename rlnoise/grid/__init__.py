"""Grids of training runs (agents x seeds x varied settings), trained in parallel: the engine of
`rlnoise sweep` and `rlnoise compare` (a grid with nothing varied).

One module per concern, imported where used (this package imports nothing itself):

- `rlnoise.grid.spec`: the grid (`Axis`, `parse_axis`, `Grid`, its `Cell`s, their settings and
  run names, the command that trains it again, the identity `--resume` checks);
- `rlnoise.grid.backends`: where runs train (`LocalBackend`: forkserver workers on this machine;
  `RayBackend`: Ray tasks), and what a worker or task does to train one run;
- `rlnoise.signals`: how Ctrl-C and SIGTERM stop the grid and its runs;
- `rlnoise.grid.scheduler`: `train_grid`, each run's `CellRecord`, stopping and resuming;
- `rlnoise.grid.summaries`: each figure over seeds (`summarize_cells`).

Each cell's run is written by `rlnoise.train` as a single run writes it. The files the grid
writes beside its runs are `rlnoise.results`; a sweep's phase diagram is `rlnoise.phase`.
"""
