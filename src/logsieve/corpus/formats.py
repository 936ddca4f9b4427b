"""Line shapes: how real systems wrap a message (syslog, Python logging, log4j, JSON, klog…).

A :class:`Genre` says which shapes a kind of message appears in and under which program or
logger names; :func:`wrap` puts a message into one shape with a random timestamp, pid and
level. Only the ``random.Random`` passed in is used (no clock), so output is reproducible.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .fields import uuid4

# fmt: off
SHAPES = (
    "syslog", "pylog", "java", "json", "klog", "bare", "nova", "apache", "android", "windows",
    "postgres", "mysql", "raw", "stamp", "dmesg", "pipe",
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EPOCH = datetime(2005, 6, 1)
_SPAN_SECONDS = 20 * 365 * 86400

# Level letters in templates: D(ebug) I(nfo) W(arning) E(rror) F(atal/critical).
_LEVELS = {
    "pylog": {"D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"},
    "java": {"D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"},
    "nova": {"D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"},
    "json": {"D": "debug", "I": "info", "W": "warn", "E": "error", "F": "fatal"},
    "apache": {"D": "debug", "I": "notice", "W": "warn", "E": "error", "F": "crit"},
    "android": {"D": "D", "I": "I", "W": "W", "E": "E", "F": "F"},
    "windows": {"D": "Info", "I": "Info", "W": "Warning", "E": "Error", "F": "Error"},
}
_THREADS = (
    "main", "pool-1-thread-3", "http-nio-8080-exec-7", "worker-2", "scheduler-1",
    "IPC Server handler 4 on 8020", "DataXceiver", "Executor task launch worker-0",
    "AsyncDispatcher event handler", "kafka-producer-network-thread",
)
_GOFILES = (
    "controller.go", "server.go", "main.go", "reconciler.go", "handler.go", "manager.go",
    "kubelet.go", "pod_workers.go", "client.go",
)
_SYSLOG_HOSTS = (
    "combo", "LabSZ", "ip-10-0-1-17", "srv01", "gateway", "dn228", "tbird-admin1", "web-02",
    "db-prod-1", "kvm-host-4", "nas", "mailhub",
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Genre:
    """Where a kind of message lives: the shapes it is written in and who writes it.

    ``shapes`` may repeat a name to make it more likely; ``progs`` are short program names
    (syslog tag, klog binary, JSON service); ``loggers`` are dotted names for logging
    frameworks (empty means reuse ``progs``); ``sources`` fill the CSV ``source`` column.
    """

    shapes: tuple[str, ...]
    progs: tuple[str, ...]
    loggers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.shapes) - set(SHAPES)
        if unknown:
            raise ValueError(f"unknown shapes {sorted(unknown)}")


def _when(rng: random.Random) -> datetime:
    return _EPOCH + timedelta(
        seconds=rng.randrange(_SPAN_SECONDS), microseconds=rng.randrange(1_000_000)
    )


def _level(shape: str, letter: str) -> str:
    return _LEVELS[shape][letter]


def wrap(shape: str, message: str, letter: str, genre: Genre, rng: random.Random) -> str:
    """Return ``message`` as one full log line in ``shape`` at level ``letter``."""
    if shape in ("raw", "bare"):
        return message if shape == "raw" else _bare(message, letter, rng)
    t = _when(rng)
    prog = rng.choice(genre.progs)
    logger = rng.choice(genre.loggers) if genre.loggers else prog
    if shape == "syslog":
        return _syslog(t, prog, message, rng)
    if shape == "pylog":
        return _pylog(t, logger, message, _level("pylog", letter), rng)
    if shape == "java":
        return _java(t, logger, message, _level("java", letter), rng)
    if shape == "json":
        return _json(t, prog, logger, message, _level("json", letter), rng)
    if shape == "klog":
        return _klog(t, prog, message, letter, rng)
    if shape == "nova":
        return _nova(t, logger, message, _level("nova", letter), rng)
    if shape == "apache":
        return _apache(t, message, _level("apache", letter), rng)
    if shape == "postgres":
        return _postgres(t, message, letter, rng)
    if shape == "mysql":
        return _mysql(t, message, letter, rng)
    if shape == "android":
        return _logcat(t, prog, message, letter, rng)
    if shape == "stamp":  # dpkg.log, yum.log, many homegrown logs: a timestamp, then the text
        if rng.random() < 0.6:
            return f"{t:%Y-%m-%d %H:%M:%S} {message}"
        return f"{_MONTHS[t.month - 1]} {t.day:02d} {t:%H:%M:%S} {message}"
    if shape == "dmesg":  # seconds since boot, as dmesg and the kernel ring buffer print them
        return f"[{rng.randint(0, 99999):>5}.{rng.randint(0, 999999):06d}] {message}"
    if shape == "pipe":  # phone health/fitness apps: stamp|component|pid|message
        ms = t.microsecond // 1000
        return f"{t:%Y%m%d-%H:%M:%S}:{ms:03d}|{prog}|{rng.randint(10**7, 10**8 - 1)}|{message}"
    # windows CBS/CSI style
    return f"{t:%Y-%m-%d %H:%M:%S}, {_level('windows', letter):<22}{prog:<7}{message}"


def _logcat(t: datetime, tag: str, message: str, letter: str, rng: random.Random) -> str:
    if rng.random() < 0.75:  # logcat -v threadtime
        ms = t.microsecond // 1000
        return (
            f"{t:%m-%d %H:%M:%S}.{ms:03d}  {rng.randint(300, 9999):>4}  "
            f"{rng.randint(300, 9999):>4} {letter} {tag}: {message}"
        )
    return f"{letter}/{tag}({rng.randint(300, 9999):>5}): {message}"  # logcat -v brief


def _bare(message: str, letter: str, rng: random.Random) -> str:
    r = rng.random()
    # Routine lines rarely carry a level word when written bare.
    if r < 0.7 or (letter in "ID" and r < 0.85):
        return message
    word = {"D": "DEBUG", "I": "INFO", "W": "WARNING", "E": "ERROR", "F": "CRITICAL"}[letter]
    if r < 0.9:
        return f"{word}: {message}"
    return f"[{word}] {message}"


def _syslog(t: datetime, prog: str, message: str, rng: random.Random) -> str:
    host = rng.choice(_SYSLOG_HOSTS)
    r = rng.random()
    pid = rng.randint(100, 65000)
    tag = f"{prog}[{pid}]" if r < 0.75 else prog
    if r < 0.85:
        return f"{_MONTHS[t.month - 1]} {t.day:>2} {t:%H:%M:%S} {host} {tag}: {message}"
    if r < 0.93:
        return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond:06d}+00:00 {host} {tag}: {message}"
    stamp = int((t - datetime(1970, 1, 1)).total_seconds())
    return (
        f"- {stamp} {t:%Y.%m.%d} {host} {_MONTHS[t.month - 1]} {t.day} {t:%H:%M:%S} "
        f"{host}/{host} {tag}: {message}"
    )


def _pylog(t: datetime, name: str, message: str, level: str, rng: random.Random) -> str:
    ms = t.microsecond // 1000
    r = rng.random()
    if r < 0.45:
        return f"{t:%Y-%m-%d %H:%M:%S},{ms:03d} - {name} - {level} - {message}"
    if r < 0.7:
        return f"{t:%Y-%m-%d %H:%M:%S},{ms:03d} {level} {name}: {message}"
    if r < 0.85:
        return f"[{t:%Y-%m-%d %H:%M:%S},{ms:03d}] {level} in {name.split('.')[-1]}: {message}"
    return f"{level}:{name}:{message}"


def _java(t: datetime, name: str, message: str, level: str, rng: random.Random) -> str:
    ms = t.microsecond // 1000
    r = rng.random()
    if r < 0.4:
        thread = rng.choice(_THREADS)
        return f"{t:%Y-%m-%d %H:%M:%S},{ms:03d} {level} [{thread}] {name}: {message}"
    if r < 0.55:
        return f"{t:%y/%m/%d %H:%M:%S} {level} {name}: {message}"
    if r < 0.7:
        return f"{t:%y%m%d %H%M%S} {rng.randint(1, 9999)} {level} {name}: {message}"
    if r < 0.85:
        cls = name.rsplit(".", 1)[-1]
        thread = rng.choice(_THREADS)
        return (
            f"{t:%Y-%m-%d %H:%M:%S},{ms:03d} - {level:<5} [{thread}:{cls}@"
            f"{rng.randint(40, 900)}] - {message}"
        )
    short = ".".join(p[0] for p in name.split(".")[:-1])
    short = f"{short}.{name.rsplit('.', 1)[-1]}" if short else name
    return f"{t:%H:%M:%S}.{ms:03d} [{rng.choice(_THREADS)}] {level:<5} {short} - {message}"


def _json(t: datetime, prog: str, logger: str, message: str, level: str, rng: random.Random) -> str:
    stamp = f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"
    r = rng.random()
    if r < 0.5:
        obj: dict[str, object] = {"ts": stamp, "level": level, "service": prog, "msg": message}
    elif r < 0.8:
        obj = {"timestamp": stamp, "severity": level.upper(), "logger": logger, "message": message}
    else:
        obj = {
            "time": stamp,
            "level": level,
            "msg": message,
            "host": f"{prog}-{rng.randint(1, 9)}",
            "request_id": uuid4(rng)[:13],
        }
    return json.dumps(obj, ensure_ascii=False)


def _klog(t: datetime, prog: str, message: str, letter: str, rng: random.Random) -> str:
    if rng.random() < 0.75:
        head = "IIWEF"["DIWEF".index(letter)]
        return (
            f"{head}{t:%m%d %H:%M:%S}.{t.microsecond:06d} {rng.randint(1, 99999):>7} "
            f"{rng.choice(_GOFILES)}:{rng.randint(20, 1500)}] {message}"
        )
    level = {"D": "debug", "I": "info", "W": "warning", "E": "error", "F": "fatal"}[letter]
    text = message.replace('"', '\\"')
    return f'time="{t:%Y-%m-%dT%H:%M:%S}Z" level={level} msg="{text}" component={prog}'


def _nova(t: datetime, logger: str, message: str, level: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        ctx = f"[req-{uuid4(rng)} {rng.getrandbits(128):032x} {rng.getrandbits(128):032x} - - -]"
    elif r < 0.6:
        ctx = f"[req-{uuid4(rng)}]"
    elif r < 0.8:
        who = rng.choice(("admin admin", "None None", "demo demo"))
        ctx = f"[None req-{uuid4(rng)} {who}]"
    else:
        ctx = "[-]"
    core = f"{level} {logger} {ctx} {message}"
    p = rng.random()
    if p < 0.4:
        return core
    stamp = f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d} {rng.randint(1000, 40000)}"
    if p < 0.85:
        return f"{stamp} {core}"
    if logger.startswith("nova."):
        svc = {"osapi_compute": "api", "scheduler": "scheduler", "conductor": "conductor"}.get(
            logger.split(".")[1], "compute"
        )
        name = f"nova-{svc}"
    else:
        name = logger.split(".")[0].replace("_", "-")
    return f"{name}.log.1.{t:%Y-%m-%d_%H:%M:%S} {stamp} {core}"


def _apache(t: datetime, message: str, level: str, rng: random.Random) -> str:
    if rng.random() < 0.55:
        day = f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t:%d %H:%M:%S %Y}"
        return f"[{day}] [{level}] {message}"
    level = {"notice": "notice", "warn": "warn", "error": "error", "crit": "crit", "debug": "info"}[
        level
    ]
    return (
        f"{t:%Y/%m/%d %H:%M:%S} [{level}] {rng.randint(100, 30000)}#0: "
        f"*{rng.randint(1, 99999)} {message}"
    )


def _postgres(t: datetime, message: str, letter: str, rng: random.Random) -> str:
    level = {"D": "DEBUG", "I": "LOG", "W": "WARNING", "E": "ERROR", "F": "FATAL"}[letter]
    return (
        f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d} UTC [{rng.randint(100, 60000)}]"
        f" {level}:  {message}"
    )


def _mysql(t: datetime, message: str, letter: str, rng: random.Random) -> str:
    level = {"D": "Note", "I": "Note", "W": "Warning", "E": "ERROR", "F": "ERROR"}[letter]
    return (
        f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond:06d}Z {rng.randint(0, 999)} [{level}] "
        f"[MY-{rng.randint(10000, 13999):06d}] [{rng.choice(('Server', 'InnoDB', 'Repl'))}]"
        f" {message}"
    )
