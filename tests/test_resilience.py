"""Circuit breaker, retry policy, timeouts and the call cap, with an injected clock."""

from __future__ import annotations

import contextlib
import threading

import pytest

from logsieve.errors import StageFailed, StageUnavailable
from logsieve.resilience import (
    BreakerOpen,
    BreakerState,
    CallCap,
    CapExceeded,
    CircuitBreaker,
    DeadlineExceeded,
    Guard,
    RetryPolicy,
    TransientError,
    is_transient,
    run_with_timeout,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def boom() -> None:
    raise TransientError("downstream down")


def ok() -> str:
    return "ok"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker("llm", max_failures=3, reset_timeout_s=5.0, clock=clock)


def trip(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(TransientError):
            breaker.call(boom)


# --- circuit breaker ------------------------------------------------------------------------


def test_breaker_opens_after_max_consecutive_failures(breaker: CircuitBreaker) -> None:
    trip(breaker, 2)
    assert breaker.state is BreakerState.CLOSED
    trip(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    assert breaker.is_open


def test_success_resets_the_failure_count(breaker: CircuitBreaker) -> None:
    trip(breaker, 2)
    assert breaker.call(ok) == "ok"
    trip(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_open_breaker_rejects_without_calling(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker, 3)
    called = []
    clock.advance(2.0)
    with pytest.raises(BreakerOpen) as info:
        breaker.call(lambda: called.append(1))
    assert called == []
    assert isinstance(info.value, StageUnavailable)
    assert info.value.retry_after_s == pytest.approx(3.0)
    assert breaker.snapshot()["rejected"] == 1


def test_open_turns_half_open_after_reset_timeout(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    trip(breaker, 3)
    clock.advance(4.99)
    assert breaker.state is BreakerState.OPEN
    clock.advance(0.01)
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.is_open


def test_successful_probe_closes(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker, 3)
    clock.advance(5.0)
    assert breaker.call(ok) == "ok"
    assert breaker.state is BreakerState.CLOSED
    # and a fresh closed breaker needs max_failures failures again
    trip(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_failed_probe_reopens_for_a_full_period(breaker: CircuitBreaker, clock: FakeClock) -> None:
    trip(breaker, 3)
    clock.advance(5.0)
    trip(breaker, 1)  # the probe
    assert breaker.state is BreakerState.OPEN
    clock.advance(4.0)
    assert breaker.state is BreakerState.OPEN
    clock.advance(1.0)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.snapshot()["times_opened"] == 2


def test_neutral_errors_do_not_trip_and_release_the_probe(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    def capped() -> None:
        raise CapExceeded("over the cap")

    for _ in range(5):
        with pytest.raises(CapExceeded):
            breaker.call(capped)
    assert breaker.state is BreakerState.CLOSED
    trip(breaker, 3)
    clock.advance(5.0)
    with pytest.raises(CapExceeded):
        breaker.call(capped)
    assert breaker.state is BreakerState.HALF_OPEN  # probe slot released, still half-open
    assert breaker.call(ok) == "ok"
    assert breaker.state is BreakerState.CLOSED


def test_listener_sees_every_transition(breaker: CircuitBreaker, clock: FakeClock) -> None:
    seen: list[tuple[str, str, str]] = []
    breaker.add_listener(lambda name, old, new: seen.append((name, old.value, new.value)))
    trip(breaker, 3)
    clock.advance(5.0)
    trip(breaker, 1)
    clock.advance(5.0)
    breaker.call(ok)
    assert seen == [
        ("llm", "closed", "open"),
        ("llm", "open", "half_open"),
        ("llm", "half_open", "open"),
        ("llm", "open", "half_open"),
        ("llm", "half_open", "closed"),
    ]


def test_half_open_lets_exactly_one_concurrent_probe_through(
    breaker: CircuitBreaker, clock: FakeClock
) -> None:
    trip(breaker, 3)
    clock.advance(5.0)
    probe_started = threading.Event()
    release_probe = threading.Event()

    def slow_probe() -> str:
        probe_started.set()
        assert release_probe.wait(10)
        return "probe"

    outcomes: list[object] = []
    lock = threading.Lock()

    def caller(fn: object) -> None:
        try:
            result = breaker.call(fn)  # type: ignore[arg-type]
        except BreakerOpen as exc:
            result = exc
        with lock:
            outcomes.append(result)

    probe = threading.Thread(target=caller, args=(slow_probe,))
    probe.start()
    assert probe_started.wait(10)
    others = [threading.Thread(target=caller, args=(ok,)) for _ in range(8)]
    for t in others:
        t.start()
    for t in others:
        t.join(10)
    # while the probe is in flight, everyone else is turned away
    assert len(outcomes) == 8
    assert all(isinstance(o, BreakerOpen) for o in outcomes)
    assert "probe in flight" in str(outcomes[0])
    assert breaker.state is BreakerState.HALF_OPEN
    release_probe.set()
    probe.join(10)
    assert outcomes[-1] == "probe"
    assert breaker.state is BreakerState.CLOSED
    assert breaker.call(ok) == "ok"


def test_many_threads_failing_open_the_breaker_once(clock: FakeClock) -> None:
    breaker = CircuitBreaker("embedding", max_failures=5, reset_timeout_s=10.0, clock=clock)
    barrier = threading.Barrier(10)

    def worker() -> None:
        barrier.wait()
        with contextlib.suppress(TransientError, BreakerOpen):
            breaker.call(boom)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    snap = breaker.snapshot()
    assert snap["state"] == "open"
    assert snap["times_opened"] == 1
    assert snap["failures"] + snap["rejected"] == 10


def test_breaker_validates_max_failures() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("x", max_failures=0)


# --- retry policy ---------------------------------------------------------------------------


class Flaky:
    def __init__(self, failures: list[BaseException], value: str = "done") -> None:
        self.failures = failures
        self.calls = 0
        self.value = value

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.value


def test_retry_backoff_is_100_then_200_ms() -> None:
    slept: list[float] = []
    policy = RetryPolicy(sleep=slept.append)
    flaky = Flaky([TransientError("a"), TimeoutError("b")])
    assert policy.call(flaky) == "done"
    assert flaky.calls == 3
    assert slept == pytest.approx([0.1, 0.2])


def test_retry_gives_up_after_retries_and_raises_the_last_error() -> None:
    slept: list[float] = []
    seen: list[int] = []
    policy = RetryPolicy(retries=2, sleep=slept.append, on_retry=lambda n, e: seen.append(n))
    flaky = Flaky([TransientError("1"), TransientError("2"), TransientError("3")])
    with pytest.raises(TransientError, match="3"):
        policy.call(flaky)
    assert flaky.calls == 3
    assert seen == [1, 2]


@pytest.mark.parametrize(
    "error",
    [
        BreakerOpen("llm", 1.0),
        CapExceeded("cap"),
        StageFailed("invalid answer"),
        ValueError("a bug"),
    ],
)
def test_permanent_errors_are_not_retried(error: Exception) -> None:
    slept: list[float] = []
    flaky = Flaky([error])
    with pytest.raises(type(error)):
        RetryPolicy(sleep=slept.append).call(flaky)
    assert flaky.calls == 1
    assert slept == []


def test_is_transient_marks() -> None:
    assert is_transient(TransientError("x"))
    assert is_transient(DeadlineExceeded("x"))
    assert is_transient(ConnectionResetError())
    assert not is_transient(BreakerOpen("x", 0))
    assert not is_transient(StageFailed("x"))


# --- timeouts, cap, guard -------------------------------------------------------------------


def test_run_with_timeout_returns_value_and_reraises_errors() -> None:
    assert run_with_timeout(sum, 5.0, [1, 2, 3]) == 6
    with pytest.raises(ZeroDivisionError):
        run_with_timeout(lambda: 1 / 0, 5.0)


def test_run_with_timeout_raises_deadline_exceeded_for_a_late_call() -> None:
    never = threading.Event()
    try:
        with pytest.raises(DeadlineExceeded):
            run_with_timeout(never.wait, 0.05)
    finally:
        never.set()


def test_call_cap_slides_over_a_minute(clock: FakeClock) -> None:
    cap = CallCap(per_minute=2, clock=clock)
    cap.acquire()
    clock.advance(30)
    cap.acquire()
    with pytest.raises(CapExceeded, match="2 LLM calls per minute"):
        cap.acquire()
    clock.advance(30)  # the first call leaves the window
    cap.acquire()
    assert cap.used() == 2


def test_call_cap_zero_means_no_cap(clock: FakeClock) -> None:
    cap = CallCap(per_minute=0, clock=clock)
    for _ in range(1000):
        cap.acquire()


def test_guard_composes_breaker_retry_and_timeout(clock: FakeClock) -> None:
    never = threading.Event()
    slept: list[float] = []
    guard = Guard(
        CircuitBreaker("embedding", 2, 10.0, clock=clock),
        RetryPolicy(retries=1, sleep=slept.append),
        timeout_s=0.02,
    )
    try:
        with pytest.raises(DeadlineExceeded):
            guard.call(never.wait)
        assert slept == [0.1]  # the timeout was retried once
        with pytest.raises(DeadlineExceeded):
            guard.call(never.wait)
        with pytest.raises(BreakerOpen):
            guard.call(never.wait)
    finally:
        never.set()
    assert guard.breaker.snapshot()["failures"] == 2
    assert Guard(CircuitBreaker("x"), RetryPolicy()).call(sum, [2, 3]) == 5
