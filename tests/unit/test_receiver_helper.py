"""The test receiver itself: records requests, follows its script, stalls."""

import httpx
import pytest

from tests.support.receiver import Receiver


def test_records_and_follows_script() -> None:
    with Receiver() as rx:
        rx.script(500, "ok")
        with httpx.Client() as client:
            r1 = client.post(rx.url("/hook"), content=b'{"a":1}', headers={"X-Test": "1"})
            r2 = client.post(rx.url("/hook"), content=b"{}")
            r3 = client.post(rx.url("/other"), content=b"{}")
        assert [r1.status_code, r2.status_code, r3.status_code] == [500, 200, 200]
        reqs = rx.wait_for(3, timeout=2)
        assert reqs[0].path == "/hook" and reqs[0].header("X-Test") == "1"
        assert reqs[0].json() == {"a": 1}
        assert len(rx.answered(200)) == 2


def test_stall_makes_the_client_time_out() -> None:
    with Receiver(stall_seconds=1.0) as rx:
        rx.script("stall")
        with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.TimeoutException):
            client.post(rx.url("/slow"), content=b"{}")
        assert rx.wait_for(1)[0].extra["stalled"]


def test_wait_for_times_out() -> None:
    with Receiver() as rx, pytest.raises(TimeoutError):
        rx.wait_for(1, timeout=0.1)
