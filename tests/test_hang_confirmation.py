"""A hang counts only when the same message hangs twice (Target.confirmed_call)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backbeat_fuzz.model import Verdict
from backbeat_fuzz.targets import InputMode, Response, Target, load_target

VERDICTS = st.sampled_from(list(Verdict))
LOCATIONS = st.sampled_from([None, "consumer.py:3"])


class Scripted(Target):
    """A target that answers with the next response of its script."""

    name, input_mode = "scripted", InputMode.BYTES

    def __init__(self, script: list[Response]) -> None:
        self.script, self.calls = list(script), 0

    def call(self, data: bytes, parsed: Any = None) -> Response:
        self.calls += 1
        return self.script.pop(0)

    def close(self) -> None:
        pass


def _response(verdict: Verdict, location: str | None) -> Response:
    return Response(verdict, verdict.value, 0.0, f"{verdict.value} {location}", location)


@given(VERDICTS, LOCATIONS, VERDICTS, LOCATIONS)
def test_a_hang_is_kept_only_when_the_message_hangs_again(
    first: Verdict, first_at: str | None, second: Verdict, second_at: str | None
) -> None:
    one, two = _response(first, first_at), _response(second, second_at)
    target = Scripted([one, two])
    got = target.confirmed_call(b"{}")
    if first is not Verdict.HANG:
        assert (got, target.calls) == (one, 1)  # no second call for an answer in time
    elif second is not Verdict.HANG:
        assert (got, target.calls) == (two, 2)  # the timeout did not repeat: not a hang
    else:
        assert got.verdict is Verdict.HANG and target.calls == 2
        assert got == (two if second_at and not first_at else one)  # the located stack wins


def test_a_consumer_slow_only_once_is_not_a_hang(tmp_path: Path, monkeypatch: Any) -> None:
    """A real worker: the first call sleeps past the timeout (as on a busy machine), the
    second answers at once."""
    (tmp_path / "slow_once.py").write_text(
        "import os, time\n"
        "def handle(data: bytes) -> bool:\n"
        "    if not os.path.exists('marker'):\n"
        "        open('marker', 'w').close()\n"
        "        time.sleep(5)\n"
        "    return True\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    with load_target("slow_once:handle", timeout=0.5) as target:
        assert target.call(b"{}").verdict is Verdict.HANG  # unconfirmed: what it was before
        (tmp_path / "marker").unlink()
        assert target.confirmed_call(b"{}").verdict is Verdict.ACCEPTED
        assert target.confirmed_call(b"{}").verdict is Verdict.ACCEPTED
