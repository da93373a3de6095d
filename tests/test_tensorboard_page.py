"""TensorBoard as a person sees it: a run's events served on loopback, read in headless Chromium.

Chromium is driven through its DevTools protocol over a pipe (`--remote-debugging-pipe`: JSON
messages ended by a NUL byte on file descriptors 3 and 4), so nothing beyond Debian's `chromium`
is needed. The test command installs it where it is missing; without it the test is skipped,
and the reason is printed (`-rs`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from rlnoise.config import Config
from rlnoise.pictures.canvas import SCENE_SIZE
from rlnoise.train import train

WINDOW = (1280, 900)
CHARTS = """(() => {
  const found = [];
  const walk = (root) => {
    for (const element of root.querySelectorAll("*")) {
      if (element.shadowRoot) walk(element.shadowRoot);
      if (element.tagName === "TF-CUSTOM-SCALAR-MULTI-LINE-CHART-CARD") {
        const box = element.getBoundingClientRect();
        found.push([Math.round(box.top), Math.round(box.left), element.title]);
      }
    }
  };
  walk(document);
  return found.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((chart) => chart[2]);
})()"""
OPEN_PICTURES = """(() => {
  const buttons = [...document.querySelectorAll("button")];
  const images = buttons.find((button) => button.innerText.trim() === "Image");
  const group = buttons.find((button) => button.innerText.trim().startsWith("pictures"));
  if (!images || !group) return false;
  images.click();
  if (!document.querySelector("card-view img")) group.click();
  return true;
})()"""
PICTURES = """[...document.querySelectorAll("card-view")]
  .filter((card) => card.innerText.includes("_scene"))
  .flatMap((card) => [...card.querySelectorAll("img")])
  .filter((image) => image.complete && image.naturalWidth > 0)
  .map((image) => [image.naturalWidth, image.getBoundingClientRect().width])"""


class Chromium:
    """Headless Chromium, one page, spoken to over the DevTools pipe."""

    def __init__(self, profile: Path):
        to_chromium, from_chromium = os.pipe(), os.pipe()
        # Chromium's ends, moved above fd 10 so that putting them on 3 and 4 clobbers neither
        reads, writes = (
            fcntl.fcntl(end, fcntl.F_DUPFD_CLOEXEC, 10) for end in (to_chromium[0], from_chromium[1])
        )
        os.close(to_chromium[0])
        os.close(from_chromium[1])

        def descriptors() -> None:  # Chromium reads commands on fd 3 and writes replies on fd 4
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        # close_fds=False: Python's own descriptors are not inheritable (PEP 446), dup2's copies are
        self.process = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--user-data-dir={profile}", "about:blank"],
            close_fds=False, preexec_fn=descriptors, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(reads)
        os.close(writes)
        self.commands, self.replies = to_chromium[1], from_chromium[0]
        self.number, self.pending, self.session = 0, b"", None

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command and its result."""
        self.number += 1
        message = {"id": self.number, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.pending:
                chunk = os.read(self.replies, 1 << 16)
                assert chunk, "chromium closed its DevTools pipe"
                self.pending += chunk
            raw, self.pending = self.pending.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.number:
                assert "error" not in reply, reply
                return reply["result"]

    def open(self, url: str) -> None:
        """Open `url` in a new page and talk to that page from now on."""
        target = self.send("Target.createTarget", url=url)["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def until(self, expression: str, seconds: float = 60) -> Any:
        """The value of a JavaScript expression on the page, once it is truthy (None past `seconds`)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.send("Runtime.evaluate", expression=expression, returnByValue=True)["result"]
            if value.get("value"):
                return value["value"]
            time.sleep(0.5)
        return None

    def close(self) -> None:
        """End Chromium."""
        self.process.terminate()
        self.process.wait(timeout=30)
        os.close(self.commands)
        os.close(self.replies)


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_tensorboard_opens_on_the_outcomes_and_shows_picture_cards_at_their_own_width(tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip(
            "Debian's chromium is not installed (the test command installs it: apt-get install chromium)"
        )
    config = Config(env_id="MultiGoal-v0", agent="categorical", logdir=str(tmp_path / "runs"),
                    run_name="categorical__seed1", num_envs=64, total_timesteps=2 * 64 * 30,
                    eval_contexts=2, eval_samples=4)  # fmt: skip
    train(config, progress=False)
    port = free_port()
    tensorboard = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", config.logdir, "--host", "127.0.0.1",
         "--port", str(port), "--reload_interval", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    browser = None
    try:
        for _ in range(120):  # TensorBoard answers once it has read the run
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/data/runs", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        browser = Chromium(tmp_path / "profile")
        browser.open(f"http://127.0.0.1:{port}/#custom_scalars")
        charts = browser.until(CHARTS)
        assert charts is not None, "no custom-scalar chart on the page"
        assert charts[:4] == [
            "sampled return",
            "sampled outcome shares",
            "deterministic return",
            "deterministic outcome shares",
        ]
        browser.open(f"http://127.0.0.1:{port}/#timeseries")
        assert browser.until(OPEN_PICTURES), "no pictures group in TIME SERIES"
        shown = browser.until(PICTURES)
        assert shown, "no picture card shown"  # policy_scene<i> and paths_scene<i> cards
        for natural, width in shown:
            assert natural == SCENE_SIZE[0] and width >= natural  # at its own width or wider
    finally:
        if browser is not None:
            browser.close()
        tensorboard.terminate()
        tensorboard.wait(timeout=30)
