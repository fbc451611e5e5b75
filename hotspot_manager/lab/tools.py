"""Errors, external tools and small process helpers of the lab (standard library only)."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

# Every program the lab runs, and the Debian package that ships it.
TOOL_PACKAGES: dict[str, str] = {
    "ip": "iproute2",
    "ss": "iproute2",
    "tc": "iproute2",
    "nft": "nftables",
    "ethtool": "ethtool",
    "dnsmasq": "dnsmasq-base",
    "busybox": "busybox",  # its udhcpc applet is the clients' DHCP client
    "curl": "curl",
    "iperf3": "iperf3",
    "ping": "iputils-ping",
}
# Needed to build the lab at all; the others only by the helper that uses them
# (tc: set_rate, curl: curl, iperf3: iperf, ping: ping).
SETUP_TOOLS: tuple[str, ...] = ("ip", "ss", "nft", "ethtool", "dnsmasq")
DHCP_TOOLS: tuple[str, ...] = ("busybox",)

# sbin directories are not always on a non-login root's PATH.
_EXTRA_PATH = ("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin")

CLONE_NEWNET = 0x40000000


class LabError(Exception):
    """The lab could not do what was asked; the message is one line for the operator.

    ``status`` is the exit status the command line uses for it.
    """

    status = 1


class LabInputError(LabError, ValueError):
    """A bad argument (prefix, client count, percent...)."""

    status = 2


class LabPermissionError(LabError):
    status = 3

    def __init__(self, msg: str = "the lab needs root (network namespaces): run with sudo"):
        super().__init__(msg)


class MissingToolError(LabError):
    def __init__(self, missing: Iterable[str]):
        self.tools = sorted(set(missing))
        self.packages = sorted({TOOL_PACKAGES[t] for t in self.tools})
        super().__init__(
            f"the lab needs {', '.join(self.tools)}: install the Debian package(s) "
            f"{' '.join(self.packages)} (apt-get install {' '.join(self.packages)})"
        )


class LabCommandError(LabError, subprocess.CalledProcessError):
    """A command failed; unlike CalledProcessError its message shows stderr."""

    def __init__(self, returncode: int, cmd: Sequence[str], output: str = "", stderr: str = ""):
        subprocess.CalledProcessError.__init__(self, returncode, list(cmd), output, stderr)
        LabError.__init__(self, self.__str__())

    def __str__(self) -> str:
        err = (self.stderr or self.output or "").strip().replace("\n", " | ")
        if len(err) > 600:
            err = "…" + err[-600:]
        return f"`{' '.join(map(str, self.cmd))}` exited {self.returncode}" + (
            f": {err}" if err else ""
        )


def which(tool: str) -> str | None:
    """Absolute path of ``tool``, looking in the sbin directories too."""
    found = shutil.which(tool)
    if found:
        return found
    return shutil.which(tool, path=os.pathsep.join(_EXTRA_PATH))


def missing_tools(tools: Iterable[str] = TOOL_PACKAGES) -> list[str]:
    return [t for t in tools if which(t) is None]


def require_tools(tools: Iterable[str]) -> None:
    missing = missing_tools(tools)
    if missing:
        raise MissingToolError(missing)


def tool(name: str) -> str:
    path = which(name)
    if path is None:
        raise MissingToolError([name])
    return path


def require_root() -> None:
    if os.geteuid() != 0:
        raise LabPermissionError()


def run(
    argv: Sequence[str],
    *,
    input: str | None = None,
    check: bool = True,
    timeout: float | None = 30,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (text mode, output captured); raise LabCommandError on failure."""
    proc = subprocess.run(
        list(argv),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if check and proc.returncode != 0:
        raise LabCommandError(proc.returncode, argv, proc.stdout, proc.stderr)
    return proc


def run_parallel(
    commands: Sequence[Sequence[str]], *, timeout: float = 30
) -> list[subprocess.CompletedProcess[str]]:
    """Run several commands at once; raise for the first that failed."""
    procs = [
        subprocess.Popen(
            list(c),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in commands
    ]
    results = []
    try:
        for c, p in zip(commands, procs, strict=True):
            out, err = p.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(list(c), p.returncode, out, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for r in results:
        if r.returncode != 0:
            raise LabCommandError(r.returncode, r.args, r.stdout, r.stderr)
    return results


_libc: Any = None


def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python >= 3.12
        os.setns(fd, CLONE_NEWNET)
        return
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def call_in_netns(netns: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn`` in a new thread that entered network namespace ``netns``.

    The namespace of a thread is its own: sockets ``fn`` creates live in that
    namespace (also after it returns), and writes to /proc/sys/net/... apply
    there, while the rest of the process stays where it was.
    """
    box: dict[str, Any] = {}

    def body() -> None:
        try:
            fd = os.open(f"/run/netns/{netns}", os.O_RDONLY | os.O_CLOEXEC)
            try:
                _setns(fd)
            finally:
                os.close(fd)
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    t = threading.Thread(target=body, name=f"netns:{netns}", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
