"""TensorBoard, started on loopback against a small comparison, serves its runs, scalars and pictures."""

import json
import queue
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

from rlnoise.cli import main


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def server_address(server: subprocess.Popen, timeout: float = 60) -> str:
    """The http://127.0.0.1:PORT address that TensorBoard prints once it listens."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stderr], daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert server.poll() is None, "tensorboard exited"
            continue
        if " at http://127.0.0.1:" in line:
            return line.split(" at ")[1].split()[0].rstrip("/")
    raise AssertionError("tensorboard printed no address")


def test_tensorboard_serves_the_runs_scalars_and_pictures_of_a_comparison(tmp_path):
    logdir = tmp_path / "compare"
    schedule = ["--total-timesteps", "4096", "--num-envs", "512", "--eval-every", "4"]  # evaluations at 4, 8
    assert main(["compare", "--seeds", "1", "--jobs", "2", "--logdir", str(logdir), *schedule]) == 0
    runs = {"regression__seed1", "categorical__seed1"}
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
               "--port", "0", "--load_fast=false", "--reload_interval", "1"]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        address = server_address(server)
        assert address.startswith("http://127.0.0.1:")
        deadline = time.monotonic() + 60
        while set(json.loads(get(f"{address}/data/runs"))) != runs:
            assert time.monotonic() < deadline, "tensorboard did not find the runs"
            time.sleep(0.5)
        scalars = json.loads(get(f"{address}/data/plugin/scalars/tags"))
        images = json.loads(get(f"{address}/data/plugin/images/tags"))
        for run in runs:
            assert {"charts/episodic_return", "eval/sampled/return", "multimodality/sampled/coverage"} <= set(
                scalars[run]
            )
            assert "pictures/policy" in images[run]
            query = urllib.parse.urlencode({"run": run, "tag": "pictures/policy"})
            pictures = json.loads(get(f"{address}/data/plugin/images/images?{query}"))
            assert [picture["step"] for picture in pictures] == [4 * 512, 8 * 512]
            png = get(f"{address}/data/plugin/images/individualImage?{pictures[-1]['query']}")
            assert png.startswith(b"\x89PNG")
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert server.returncode is not None
