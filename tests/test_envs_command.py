"""`rlnoise envs`: the registered environments, their action spaces, modes and descriptions, no torch."""

import subprocess
import sys
import textwrap

LIST_WITHOUT_TORCH = """
import sys
import numba.core.dispatcher

def refuse(function, *args, **kwargs):
    raise AssertionError(f"rlnoise envs ran the numba function {function.py_func.__name__}")

numba.core.dispatcher.Dispatcher._compile_for_args = refuse  # every first call of a jitted function
from rlnoise.cli import main
code = main(["envs", *sys.argv[1:]])
assert "torch" not in sys.modules, "rlnoise envs imported torch"
sys.exit(code)
"""


def envs(*args, cwd=None):
    # -P: the current directory is not on the path, as for the installed `rlnoise` command
    command = [sys.executable, "-P", "-c", LIST_WITHOUT_TORCH, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)


def test_envs_lists_rlnoise_environments_without_importing_torch_or_compiling_go():
    result = envs()
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert "Box(-2.0, 2.0, (1,), float32)" in rows["TwoBales-v0"] and "left, right" in rows["TwoBales-v0"]
    assert "Buridan's donkey" in rows["TwoBales-v0"]
    assert all(not env_id.startswith("CartPole") for env_id in rows)  # gymnasium's own are not listed


def test_envs_lists_what_a_users_module_registers(tmp_path):
    (tmp_path / "my_envs.py").write_text(textwrap.dedent('''
        import gymnasium as gym
        from gymnasium import spaces

        class Coin(gym.Env):
            """A coin to toss: heads or tails.

            More lines of specification.
            """
            mode_labels = ("heads", "tails")

            def __init__(self):
                self.action_space = spaces.Discrete(2)
                self.observation_space = spaces.Discrete(1)

        gym.register("Coin-v0", entry_point=Coin)
    '''))  # fmt: skip
    result = envs("my_envs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    coin = next(line for line in result.stdout.splitlines() if line.startswith("Coin-v0"))
    assert "Discrete(2)" in coin and "heads, tails" in coin and "A coin to toss: heads or tails." in coin
    assert "More lines" not in result.stdout


def test_envs_with_a_module_that_does_not_import_is_one_line_and_exit_2():
    result = envs("no_such_module_here")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "cannot import module 'no_such_module_here'" in result.stderr
