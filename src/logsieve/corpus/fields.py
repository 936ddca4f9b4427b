"""Randomized field makers: the variable parts of synthetic log lines.

Each maker is ``(rng, arg) -> str`` and draws only from the ``random.Random`` it is given,
so a corpus is a pure function of its seed. Templates name them as ``{user}``, ``{ip}``,
``{int:1-500}`` (see :mod:`logsieve.corpus.pattern`).
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable

Maker = Callable[[random.Random, "str | None"], str]

# fmt: off
_FIRST = (
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "oscar", "peggy", "trent", "victor", "wendy", "maria", "li", "ahmed", "sofia", "noah", "emma",
    "raj", "yuki", "olga", "pedro", "chen", "fatima", "lucas",
)
_LAST = (
    "smith", "jones", "garcia", "nguyen", "kim", "patel", "muller", "rossi", "silva", "tanaka",
    "cohen", "novak", "berg", "khan", "lopez",
)
_SYSTEM_USERS = (
    "root", "admin", "test", "guest", "oracle", "postgres", "ubuntu", "ftpuser", "www-data",
    "deploy", "jenkins", "git", "nagios", "support", "pi", "user", "webmaster", "backup", "mysql",
    "hadoop",
)
_SERVICES = (
    "payment-service", "order-service", "auth-service", "inventory-api", "billing", "user-service",
    "notification-worker", "search-api", "checkout", "gateway", "reporting", "scheduler",
    "catalog", "shipping-service", "ledger", "crm-sync", "hr-portal", "analytics-engine",
    "email-dispatcher", "media-transcoder",
)
_DAEMONS = (
    "nginx", "httpd", "sshd", "cron", "postfix", "dockerd", "containerd", "kubelet", "mysqld",
    "postgresql", "redis-server", "rsyslogd", "chronyd", "ntpd", "cupsd", "named", "smbd",
    "haproxy", "rabbitmq-server", "elasticsearch", "zookeeper", "irqbalance", "snmpd", "xinetd",
    "crond", "auditd", "NetworkManager", "udevd",
)
_HOST_STEMS = (
    "web", "app", "db", "api", "worker", "node", "cache", "edge", "batch", "ci", "mq", "lb",
    "store", "compute", "ctrl",
)
_DIRS = (
    "/var/log", "/var/lib/app", "/opt/app/data", "/srv/uploads", "/home/{u}/docs", "/tmp",
    "/data/warehouse", "/mnt/share/reports", "/etc/app", "/var/spool/jobs", "/usr/local/share",
    "/var/cache/builds",
)
_EXTS = ("csv", "pdf", "json", "log", "xlsx", "txt", "zip", "png", "parquet", "xml", "tar.gz")
_WORDS = (
    "report", "invoice", "export", "data", "summary", "payroll", "backup", "photo", "contract",
    "notes", "metrics", "orders", "customers", "ledger", "draft", "archive",
)
_DBS = (
    "orders", "users", "billing", "inventory", "crm", "analytics", "payments", "hr", "sessions",
    "catalog", "audit", "ledger",
)
_TABLES = (
    "users", "orders", "order_items", "accounts", "payments", "invoices", "sessions", "products",
    "events", "customers", "employees", "audit_log", "shipments",
)
_JOBS = (
    "nightly-etl", "invoice-batch", "report-generation", "data-sync", "billing-run", "user-import",
    "index-rebuild", "payroll-export", "email-campaign", "cleanup-tmp", "daily-aggregate",
    "ml-training", "thumbnail-render", "ledger-reconcile",
)
_URL_PATHS = (
    "/api/v1/orders", "/api/v2/users", "/login", "/health", "/api/v1/payments", "/index.html",
    "/static/app.js", "/api/v1/search", "/v2/servers/detail", "/metrics", "/api/v1/invoices",
    "/images/logo.png", "/cart", "/checkout", "/api/v3/items", "/favicon.ico", "/robots.txt",
    "/api/v1/reports",
)
_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "curl/7.68.0", "python-requests/2.31",
    "Go-http-client/1.1", "Mozilla/5.0 (X11; Linux x86_64)", "kube-probe/1.27",
    "Apache-HttpClient/4.5.13", "okhttp/4.9.3",
)
_JAVA_EXC = (
    "java.lang.NullPointerException", "java.io.IOException", "java.lang.IllegalStateException",
    "java.util.concurrent.TimeoutException", "java.lang.OutOfMemoryError",
    "java.net.SocketTimeoutException", "java.lang.IllegalArgumentException",
    "java.lang.RuntimeException",
)
_PY_EXC = (
    "ValueError", "KeyError", "RuntimeError", "TimeoutError", "TypeError", "AttributeError",
    "OSError", "ConnectionResetError", "IndexError", "MemoryError",
)
_REGIONS = ("us-east-1", "eu-west-1", "ap-south-1", "eu-central-1", "us-west-2")
_NODES = (
    "parisaserver", "compute-01", "compute-02", "cp-node-3", "cmp-r12-07", "nova-cpu-5",
    "ostack-hv-11", "kvm-host-4",
)
_FLAVORS = (
    "m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge", "c1.medium", "ds2G", "r1.large",
)
_IMAGE_FMT = ("qcow2", "raw", "vmdk")
# Package names as distributions spell them; some hold words a classifier must not read as
# the line's meaning ("error", "deprecated", "backup", "auth", "fail").
_DEB_PACKAGES = (
    "libc6", "libssl3", "openssl", "nginx-common", "python3-yaml", "libplexus-cipher-java",
    "liberror-perl", "libexception-class-perl", "python3-deprecated", "backup-manager",
    "libauthen-sasl-perl", "libpam-modules", "tzdata", "ca-certificates", "git-man", "curl",
    "libcurl4", "openssh-server", "systemd-timesyncd", "linux-image-5.15.0-91-generic",
    "libfailsafe-java", "libtry-tiny-perl", "node-depd", "libdbd-mysql-perl", "postgresql-14",
    "docker-ce", "containerd.io", "openjdk-17-jre-headless", "libmaven-resolver-java",
    "policykit-1", "libapt-pkg6.0", "python3-apport", "libgcrypt20", "xz-utils", "vim-runtime",
    "libsystemd0", "firmware-linux-free", "libjs-jquery", "fonts-dejavu-core", "man-db",
)
_RPM_NAMES = (
    "nginx", "kernel-core", "openssl-libs", "glibc-common", "python3-libs", "bash", "sudo",
    "tzdata", "httpd-tools", "systemd-udev", "libgcc", "perl-Error", "java-17-openjdk-headless",
    "audit-libs", "ca-certificates", "cronie", "chrony",
)
_PY_PACKAGES = (
    "requests", "urllib3", "numpy", "certifi", "charset-normalizer", "idna", "PyYAML", "six",
    "setuptools", "wheel", "Deprecated", "packaging", "typing-extensions", "python-dateutil",
    "pytz", "tenacity", "backoff", "exceptiongroup", "sentry-sdk", "boto3", "botocore",
    "Jinja2", "MarkupSafe", "click", "attrs",
)
_CAMEL_HEADS = (
    "on", "set", "get", "update", "handle", "notify", "dispatch", "apply", "check", "report",
    "calculate", "flush", "process", "sync", "refresh", "register",
)
_CAMEL_NOUNS = (
    "Screen", "Lights", "Brightness", "Step", "Sensor", "Wakefulness", "Display", "Battery",
    "Doze", "Keyguard", "Window", "Focus", "Proximity", "Stand", "HeartRate", "Sleep",
    "Calories", "Wallpaper", "Volume", "Touch", "Layout", "Insets", "Surface", "Alarm",
    "Network", "Signal", "Location", "Notification", "Session", "Cache", "TodayTotalDetailSteps",
)
_CAMEL_TAILS = (
    "", "", "Changed", "On", "State", "Value", "Event", "Mode", "Level", "Updated", "Internal",
    "Locked", "Visibility", "WithCache", "ToDB",
)
_KV_KEYS = (
    "ready", "policy", "wakefulness", "brightness", "state", "mode", "level", "seq", "flags",
    "uid", "pid", "reason", "display", "screenOn", "proximity", "dozing", "userActivity",
    "suspendBlocker", "lux", "rate", "temp", "voltage", "plugged", "status", "health", "gen",
    "epoch", "slot", "ts", "dt", "count", "dirty", "pending", "inflight", "cur", "max", "min",
)
_APPS = ("com.android.systemui", "com.google.android.gms", "com.huawei.health", "com.whatsapp",
         "com.android.chrome", "com.tencent.mm", "com.example.shop", "com.spotify.music")


_RANGE = re.compile(r"^(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)$")


def _bounds(arg: str | None, default: str) -> tuple[str, str]:
    match = _RANGE.match(arg or default)
    if match is None:
        raise ValueError(f"expected a range like 1-100, got {arg!r}")
    return match.group(1), match.group(2)
# fmt: on


def _int(rng: random.Random, arg: str | None) -> str:
    lo, hi = _bounds(arg, "1-1000")
    return str(rng.randint(int(lo), int(hi)))


def _dec(rng: random.Random, arg: str | None) -> str:
    lo, hi = _bounds(arg, "0-100")
    return f"{rng.uniform(float(lo), float(hi)):.2f}"


def _hex(rng: random.Random, arg: str | None) -> str:
    k = int(arg or 8)
    return f"{rng.getrandbits(4 * k):0{k}x}"


def uuid4(rng: random.Random, arg: str | None = None) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def _user(rng: random.Random, arg: str | None) -> str:
    kind = rng.random()
    if kind < 0.3:
        return f"User{rng.randint(1, 9999)}"
    if kind < 0.55:
        return rng.choice(_FIRST)
    if kind < 0.75:
        return f"{rng.choice(_FIRST)[0]}{rng.choice(_LAST)}"
    if kind < 0.9:
        return f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}"
    return f"{rng.choice(_FIRST)}{rng.randint(1, 99)}"


def _sysuser(rng: random.Random, arg: str | None) -> str:
    return rng.choice(_SYSTEM_USERS) if rng.random() < 0.7 else _user(rng, None)


def _ip(rng: random.Random, arg: str | None) -> str:
    first = rng.choice((10, 172, 192, 61, 83, 112, 173, 187, 203, 218, 45))
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _host(rng: random.Random, arg: str | None) -> str:
    stem = rng.choice(_HOST_STEMS)
    style = rng.random()
    if style < 0.4:
        return f"{stem}-{rng.randint(1, 40):02d}"
    if style < 0.7:
        return f"{stem}{rng.randint(1, 9)}.{rng.choice(('prod', 'stg', 'internal', 'dc1'))}"
    return f"{stem}-{rng.choice(('prod', 'dev', 'eu', 'us'))}-{rng.randint(1, 12)}"


def _path(rng: random.Random, arg: str | None) -> str:
    d = rng.choice(_DIRS).replace("{u}", rng.choice(_FIRST))
    return f"{d}/{_file(rng, None)}"


def _file(rng: random.Random, arg: str | None) -> str:
    sep = rng.choice(("_", "-", ""))
    return f"{rng.choice(_WORDS)}{sep}{rng.randint(1, 2025)}.{rng.choice(_EXTS)}"


def _dur(rng: random.Random, arg: str | None) -> str:
    r = rng.random()
    if r < 0.4:
        return f"{rng.randint(1, 2500)}ms"
    if r < 0.7:
        return f"{rng.uniform(0.1, 120):.2f}s"
    if r < 0.85:
        return f"{rng.randint(1, 59)} seconds"
    return f"{rng.randint(1, 90)} minutes"


def _size(rng: random.Random, arg: str | None) -> str:
    r = rng.random()
    if r < 0.3:
        return f"{rng.randint(1, 999)} MB"
    if r < 0.5:
        return f"{rng.uniform(0.1, 800):.1f}GB"
    if r < 0.7:
        return f"{rng.randint(1, 999)}KB"
    if r < 0.85:
        return f"{rng.randint(1024, 99_999_999)} bytes"
    return f"{rng.uniform(1, 64):.2f} GiB"


def _version(rng: random.Random, arg: str | None) -> str:
    return f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 40)}"


def _word_id(prefix: str, digits: int) -> Maker:
    def make(rng: random.Random, arg: str | None) -> str:
        return f"{prefix}{rng.randint(10 ** (digits - 1), 10**digits - 1)}"

    return make


def _pick(values: tuple[str, ...]) -> Maker:
    def make(rng: random.Random, arg: str | None) -> str:
        return rng.choice(values)

    return make


def _email(rng: random.Random, arg: str | None) -> str:
    dom = rng.choice(("example.com", "corp.local", "mail.org", "acme.io"))
    return f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}@{dom}"


def _mac(rng: random.Random, arg: str | None) -> str:
    return "fa:16:3e:" + ":".join(_hex(rng, "2") for _ in range(3))


def _blk(rng: random.Random, arg: str | None) -> str:
    return f"blk_{'-' if rng.random() < 0.5 else ''}{rng.randint(10**17, 10**19)}"


def _pod(rng: random.Random, arg: str | None) -> str:
    suffix = "".join(rng.choices(string.ascii_lowercase, k=5))
    return f"{rng.choice(_SERVICES)}-{_hex(rng, '9')}-{suffix}"


def _container(rng: random.Random, arg: str | None) -> str:
    cluster = rng.randint(1_400_000_000_000, 1_500_000_000_000)
    return f"container_{cluster}_{rng.randint(1, 99):04d}_01_{rng.randint(1, 99):06d}"


def _instance_name(rng: random.Random, arg: str | None) -> str:
    return f"instance-{rng.randint(0, 0xFFF):08x}"


def _base_file(rng: random.Random, arg: str | None) -> str:
    return f"/opt/stack/data/nova/instances/_base/{_hex(rng, '40')}"


def _inst_path(rng: random.Random, arg: str | None) -> str:
    return (
        f"/var/lib/nova/instances/{uuid4(rng)}"
        if rng.random() < 0.5
        else f"/opt/stack/data/nova/instances/{uuid4(rng)}"
    )


def _url(rng: random.Random, arg: str | None) -> str:
    p = rng.choice(_URL_PATHS)
    if rng.random() < 0.4:
        p += f"/{rng.randint(1, 99999)}"
    if rng.random() < 0.2:
        p += f"?page={rng.randint(1, 50)}"
    return p


def _date(rng: random.Random, arg: str | None) -> str:
    return f"20{rng.randint(15, 27)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _clock(rng: random.Random, arg: str | None) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def _deb_version(rng: random.Random, arg: str | None) -> str:
    r = rng.random()
    base = f"{rng.randint(0, 9)}.{rng.randint(0, 40)}"
    minor, rev, n = rng.randint(0, 40), rng.randint(1, 9), rng.randint(1, 9)
    if r < 0.3:
        return f"{base}-{rev}"
    if r < 0.5:
        return f"{rng.randint(1, 2)}:{base}.{minor % 10}-{rev}ubuntu{n}"
    if r < 0.7:
        return f"{base}.{minor}-{rev}+deb{rng.randint(10, 12)}u{n}"
    if r < 0.85:
        return f"{base}.{minor}-{rev % 4}~{rng.choice(('20.04', '22.04'))}.{n}"
    return f"{base}.{minor % 10}-{rev}.{n}"


def _deb_arch(rng: random.Random, arg: str | None) -> str:
    return rng.choice(("amd64", "amd64", "all", "all", "arm64", "i386"))


def _rpm(rng: random.Random, arg: str | None) -> str:
    arch = rng.choice(("x86_64", "x86_64", "noarch", "aarch64"))
    return (
        f"{rng.choice(_RPM_NAMES)}-{_version(rng, None)}-{rng.randint(1, 40)}"
        f".el{rng.choice((7, 8, 9))}.{arch}"
    )


def _kb_package(rng: random.Random, arg: str | None) -> str:
    kb = rng.randint(2_000_000, 5_999_999)
    name = rng.choice((f"for_KB{kb}", f"{rng.randint(1, 99)}_for_KB{kb}", "for_RollupFix"))
    arch = rng.choice(("amd64", "x86", "wow64"))
    ver = rng.choice(("6.1.1.", "6.3.1.", "10.0.1.")) + str(rng.randint(0, 9999))
    return f"Package_{name}~31bf3856ad364e35~{arch}~~{ver}"


def _camel(rng: random.Random, arg: str | None) -> str:
    return rng.choice(_CAMEL_HEADS) + rng.choice(_CAMEL_NOUNS) + rng.choice(_CAMEL_TAILS)


def _kv_value(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:
        return rng.choice(("true", "false"))
    if r < 0.7:
        return str(rng.randint(0, 255 if rng.random() < 0.7 else 99999))
    if r < 0.85:
        return f"0x{rng.getrandbits(16):x}"
    return rng.choice(("null", "ON", "OFF", "IDLE", "AWAKE", "DOZE", "none"))


def _kvs(rng: random.Random, arg: str | None) -> str:
    keys = rng.sample(_KV_KEYS, rng.randint(2, 6))
    sep = rng.choice((",", ", ", " ", "; "))
    eq = rng.choice(("=", "=", ":", ": "))
    return sep.join(f"{k}{eq}{_kv_value(rng)}" for k in keys)


def _kernel_version(rng: random.Random, arg: str | None) -> str:
    return f"{rng.choice(('5.4', '5.15', '6.1', '6.5'))}.0-{rng.randint(10, 190)}-generic"


FIELD_MAKERS: dict[str, Maker] = {
    "lb": lambda rng, a: "{",
    "rb": lambda rng, a: "}",
    "date": _date,
    "clock": _clock,
    "word": _pick(_WORDS),
    "int": _int,
    "dec": _dec,
    "hex": _hex,
    "uuid": uuid4,
    "user": _user,
    "sysuser": _sysuser,
    "ip": _ip,
    "port": lambda rng, a: str(rng.randint(1024, 65535)),
    "host": _host,
    "path": _path,
    "file": _file,
    "dur": _dur,
    "ms": lambda rng, a: str(rng.randint(1, 9999)),
    "secs": lambda rng, a: f"{rng.uniform(0.01, 60):.2f}",
    "size": _size,
    "bytes": lambda rng, a: str(rng.randint(200, 99_999_999)),
    "pct": lambda rng, a: str(rng.randint(1, 100)),
    "version": _version,
    "pid": lambda rng, a: str(rng.randint(100, 65000)),
    "service": _pick(_SERVICES),
    "daemon": _pick(_DAEMONS),
    "db": _pick(_DBS),
    "table": _pick(_TABLES),
    "job": _pick(_JOBS),
    "url": _url,
    "method": lambda rng, a: rng.choice(("GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH")),
    "agent": _pick(_AGENTS),
    "javaexc": _pick(_JAVA_EXC),
    "pyexc": _pick(_PY_EXC),
    "region": _pick(_REGIONS),
    "email": _email,
    "order": _word_id("ORD-", 6),
    "acct": _word_id("ACC", 7),
    "ticket": _word_id("TCK-", 5),
    "txn": _word_id("txn_", 9),
    "mac": _mac,
    "blk": _blk,
    "pod": _pod,
    "ns": _pick(("default", "kube-system", "prod", "staging", "monitoring", "payments", "data")),
    "yarn_container": _container,
    "node": _pick(_NODES),
    "flavor": _pick(_FLAVORS),
    "imgfmt": _pick(_IMAGE_FMT),
    "instname": _instance_name,
    "basefile": _base_file,
    "instpath": _inst_path,
    "pkg": _pick(_DEB_PACKAGES),
    "pkgver": _deb_version,
    "arch": _deb_arch,
    "rpm": _rpm,
    "pypkg": _pick(_PY_PACKAGES),
    "kbpkg": _kb_package,
    "camel": _camel,
    "kvs": _kvs,
    "kver": _kernel_version,
    "app": _pick(_APPS),
    "qid": lambda rng, a: f"{rng.getrandbits(40):010X}",
}
