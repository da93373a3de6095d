"""A command's set-up without garbage collection (`rlnoise.startup`)."""

import gc

import pytest

from rlnoise.startup import uncollected


def test_set_up_collects_no_garbage_then_freezes_what_it_made_and_collects_again():
    frozen = gc.get_freeze_count()
    try:
        with uncollected():
            assert not gc.isenabled()
            made = [[] for _ in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.unfreeze()  # the test process collects as before


def test_a_set_up_that_fails_freezes_nothing_and_collects_again():
    frozen = gc.get_freeze_count()
    with pytest.raises(ValueError), uncollected():
        raise ValueError("a mistake in the settings")
    assert gc.isenabled() and gc.get_freeze_count() == frozen
