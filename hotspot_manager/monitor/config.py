"""The monitor's configuration: one TOML file, every key optional.

The file may hold other sections for other parts of the program; the monitor reads only
the ``[monitor]`` table (and its sub-tables). ``load_config(None)`` gives the defaults,
which work with no file at all. Every bad value raises :class:`ConfigError` whose message
starts with the dotted key, e.g. ``monitor.targets[1]: not a host name or address``.

docs/monitor.md documents each key.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ConfigError",
    "DnsConfig",
    "HttpConfig",
    "InterfacesConfig",
    "MonitorConfig",
    "SnmpConfig",
    "Target",
    "load_config",
    "parse_config",
    "parse_target",
]


class ConfigError(ValueError):
    """A bad configuration value; the message names the key."""


# ----------------------------------------------------------------------------- targets

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def is_host(text: str) -> bool:
    """A literal IPv4/IPv6 address or a syntactically valid DNS host name."""
    if not text or len(text) > 253:
        return False
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        pass
    name = text[:-1] if text.endswith(".") else text
    labels = name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        return False
    # all-numeric dotted names that are not addresses ("1.2.3", "300.1.1.1") are typos
    return not all(label.isdigit() for label in labels)


@dataclass(frozen=True)
class Target:
    """Something probed for latency, jitter and loss.

    ``kind`` is ``icmp`` (echo request), ``udp`` (a datagram echoed back by the peer, for
    test responders and UDP echo services) or ``tcp`` (connect time).
    """

    kind: str
    host: str
    port: int = 0
    text: str = ""

    @property
    def name(self) -> str:
        return self.text or (self.host if self.kind == "icmp" else f"{self.kind}://{self.host}")


def parse_target(text: object, key: str) -> Target:
    """``host`` (ICMP), ``icmp://host``, ``udp://host:port`` or ``tcp://host:port``."""
    if not isinstance(text, str):
        raise ConfigError(f'{key}: expected a string such as "1.1.1.1", got {_show(text)}')
    raw = text.strip()
    if "://" not in raw:
        host = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
        if not is_host(host):
            raise ConfigError(f"{key}: not a host name or address: {text!r}")
        return Target("icmp", host, 0, raw)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{key}: not a valid target {text!r}: {exc}") from None
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme not in ("icmp", "udp", "tcp"):
        raise ConfigError(
            f"{key}: unknown probe kind {parts.scheme!r} in {text!r} (use a plain host for "
            "ICMP, or udp://host:port, tcp://host:port)"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ConfigError(f"{key}: unexpected parts in {text!r} (only kind://host:port)")
    if not is_host(host):
        raise ConfigError(f"{key}: not a host name or address: {text!r}")
    if scheme == "icmp":
        if port is not None:
            raise ConfigError(f"{key}: ICMP has no port: {text!r}")
        return Target("icmp", host, 0, raw)
    if port is None or port == 0:
        raise ConfigError(f"{key}: {scheme} targets need a port (1-65535): {text!r}")
    return Target(scheme, host, port, raw)


# ----------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class DnsConfig:
    enabled: bool = True
    server: str = "system"
    port: int = 53
    name: str = "example.com"
    interval: float = 10.0
    timeout: float = 3.0
    outage_after: int = 3


@dataclass(frozen=True)
class HttpConfig:
    enabled: bool = True
    url: str = "http://connectivitycheck.gstatic.com/generate_204"
    expect_status: int = 0
    interval: float = 30.0
    timeout: float = 10.0
    verify_tls: bool = True
    ca_file: str = ""


@dataclass(frozen=True)
class InterfacesConfig:
    uplink: str = "auto"
    hotspot: str = ""
    interval: float = 5.0


AUTH_PROTOCOLS = ("none", "MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512")
PRIV_PROTOCOLS = ("none", "DES", "3DES", "AES", "AES192", "AES256")


@dataclass(frozen=True)
class SnmpConfig:
    enabled: bool = False
    host: str = "gateway"
    port: int = 161
    version: str = "2c"
    community: str = "public"
    user: str = ""
    auth_protocol: str = "SHA"
    auth_password: str = ""
    priv_protocol: str = "AES"
    priv_password: str = ""
    context: str = ""
    wan_interface: str = ""
    lan_interface: str = ""
    interval: float = 10.0
    timeout: float = 2.0
    retries: int = 1


@dataclass(frozen=True)
class MonitorConfig:
    gateway: str = "auto"
    targets: tuple[Target, ...] = (
        Target("icmp", "1.1.1.1", 0, "1.1.1.1"),
        Target("icmp", "8.8.8.8", 0, "8.8.8.8"),
        Target("icmp", "9.9.9.9", 0, "9.9.9.9"),
    )
    ping_interval: float = 1.0
    ping_timeout: float = 2.0
    loss_window: int = 100
    outage_after: int = 3
    status_interval: float = 5.0
    sample_interval: float = 60.0
    retention_days: int = 30
    dns: DnsConfig = field(default_factory=DnsConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    interfaces: InterfacesConfig = field(default_factory=InterfacesConfig)
    snmp: SnmpConfig = field(default_factory=SnmpConfig)
    #: where the configuration came from (a path, or "defaults")
    source: str = "defaults"

    def replace(self, **changes: Any) -> MonitorConfig:
        return replace(self, **changes)


# ----------------------------------------------------------------------------- checking


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _number(value: object, key: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key}: expected a number of seconds, got {_show(value)}")
    v = float(value)
    if not math.isfinite(v) or v < lo or v > hi:
        raise ConfigError(f"{key}: must be between {lo:g} and {hi:g}, got {value!r}")
    return v


def _integer(value: object, key: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key}: expected a whole number, got {_show(value)}")
    if value < lo or value > hi:
        raise ConfigError(f"{key}: must be between {lo} and {hi}, got {value}")
    return value


def _boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {_show(value)}")
    return value


def _string(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {_show(value)}")
    return value


def _host_or(value: object, key: str, *words: str, empty: bool = False) -> str:
    text = _string(value, key).strip()
    if text in words or (empty and text == ""):
        return text
    if not is_host(text):
        choices = ", ".join(f'"{w}"' for w in words)
        extra = f" (or {choices})" if words else ""
        raise ConfigError(f"{key}: not a host name or address{extra}: {text!r}")
    return text


def _choice(value: object, key: str, choices: tuple[str, ...]) -> str:
    text = _string(value, key)
    for c in choices:
        if text.lower() == c.lower():
            return c
    raise ConfigError(f"{key}: must be one of {', '.join(choices)}; got {text!r}")


def _interface(value: object, key: str) -> str:
    text = _string(value, key).strip()
    if len(text) > 64 or any(ord(ch) < 32 for ch in text):
        raise ConfigError(f"{key}: not an interface name: {text!r}")
    return text


def _check_keys(table: dict, key: str, allowed: set[str]) -> None:
    for k in table:
        if k not in allowed:
            known = ", ".join(sorted(allowed))
            raise ConfigError(f"{key}.{k}: unknown key (known keys: {known})")


def _section(data: dict, key: str) -> dict:
    value = data.get(key.rsplit(".", 1)[-1], {})
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected a table ([{key}]), got {_show(value)}")
    return value


_INTERVAL = (0.01, 86400.0)
_TIMEOUT = (0.01, 300.0)


def _parse_dns(t: dict) -> DnsConfig:
    k = "monitor.dns"
    _check_keys(t, k, {f.name for f in fields(DnsConfig)})
    d = DnsConfig()
    return DnsConfig(
        enabled=_boolean(t.get("enabled", d.enabled), f"{k}.enabled"),
        server=_host_or(t.get("server", d.server), f"{k}.server", "system"),
        port=_integer(t.get("port", d.port), f"{k}.port", 1, 65535),
        name=_dns_name(t.get("name", d.name), f"{k}.name"),
        interval=_number(t.get("interval", d.interval), f"{k}.interval", *_INTERVAL),
        timeout=_number(t.get("timeout", d.timeout), f"{k}.timeout", *_TIMEOUT),
        outage_after=_integer(t.get("outage_after", d.outage_after), f"{k}.outage_after", 1, 1000),
    )


def _dns_name(value: object, key: str) -> str:
    text = _string(value, key).strip()
    try:
        ipaddress.ip_address(text)
        is_addr = True
    except ValueError:
        is_addr = False
    if is_addr or not is_host(text):
        raise ConfigError(f"{key}: not a DNS name to resolve: {text!r}")
    return text


def _parse_http(t: dict) -> HttpConfig:
    k = "monitor.http"
    _check_keys(t, k, {f.name for f in fields(HttpConfig)})
    d = HttpConfig()
    url = _string(t.get("url", d.url), f"{k}.url").strip()
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as exc:
        raise ConfigError(f"{k}.url: not a valid URL {url!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ConfigError(f"{k}.url: must start with http:// or https://, got {url!r}")
    host = parts.hostname or ""
    if not is_host(host):
        raise ConfigError(f"{k}.url: not a host name or address in {url!r}")
    expect = t.get("expect_status", d.expect_status)
    expect = _integer(expect, f"{k}.expect_status", 0, 599)
    if 0 < expect < 100:
        raise ConfigError(f"{k}.expect_status: an HTTP status (100-599) or 0 for any 2xx/3xx")
    ca = _string(t.get("ca_file", d.ca_file), f"{k}.ca_file")
    if ca and not os.path.isfile(ca):
        raise ConfigError(f"{k}.ca_file: no such file: {ca!r}")
    return HttpConfig(
        enabled=_boolean(t.get("enabled", d.enabled), f"{k}.enabled"),
        url=url,
        expect_status=expect,
        interval=_number(t.get("interval", d.interval), f"{k}.interval", *_INTERVAL),
        timeout=_number(t.get("timeout", d.timeout), f"{k}.timeout", *_TIMEOUT),
        verify_tls=_boolean(t.get("verify_tls", d.verify_tls), f"{k}.verify_tls"),
        ca_file=ca,
    )


def _parse_interfaces(t: dict) -> InterfacesConfig:
    k = "monitor.interfaces"
    _check_keys(t, k, {f.name for f in fields(InterfacesConfig)})
    d = InterfacesConfig()
    return InterfacesConfig(
        uplink=_interface(t.get("uplink", d.uplink), f"{k}.uplink"),
        hotspot=_interface(t.get("hotspot", d.hotspot), f"{k}.hotspot"),
        interval=_number(t.get("interval", d.interval), f"{k}.interval", *_INTERVAL),
    )


def _parse_snmp(t: dict) -> SnmpConfig:
    k = "monitor.snmp"
    _check_keys(t, k, {f.name for f in fields(SnmpConfig)})
    d = SnmpConfig()
    version = t.get("version", d.version)
    if isinstance(version, int) and not isinstance(version, bool):
        version = str(version)
    version = _choice(version, f"{k}.version", ("2c", "3"))
    user = _string(t.get("user", d.user), f"{k}.user")
    auth = _choice(t.get("auth_protocol", d.auth_protocol), f"{k}.auth_protocol", AUTH_PROTOCOLS)
    priv = _choice(t.get("priv_protocol", d.priv_protocol), f"{k}.priv_protocol", PRIV_PROTOCOLS)
    auth_pw = _string(t.get("auth_password", d.auth_password), f"{k}.auth_password")
    priv_pw = _string(t.get("priv_password", d.priv_password), f"{k}.priv_password")
    community = _string(t.get("community", d.community), f"{k}.community")
    enabled = _boolean(t.get("enabled", d.enabled), f"{k}.enabled")
    if enabled and version == "3":
        if not user:
            raise ConfigError(f"{k}.user: SNMP v3 needs a user name")
        if auth_pw and auth == "none":
            raise ConfigError(f"{k}.auth_protocol: is none but an auth_password is set")
        if auth != "none" and len(auth_pw) < 8:
            raise ConfigError(f"{k}.auth_password: SNMP v3 pass phrases have 8 characters or more")
        if priv_pw and priv != "none" and auth == "none":
            raise ConfigError(f"{k}.priv_protocol: privacy needs authentication (auth_protocol)")
        if priv != "none" and priv_pw and len(priv_pw) < 8:
            raise ConfigError(f"{k}.priv_password: SNMP v3 pass phrases have 8 characters or more")
    if enabled and version == "2c" and not community:
        raise ConfigError(f"{k}.community: SNMP v2c needs a community")
    return SnmpConfig(
        enabled=enabled,
        host=_host_or(t.get("host", d.host), f"{k}.host", "gateway"),
        port=_integer(t.get("port", d.port), f"{k}.port", 1, 65535),
        version=version,
        community=community,
        user=user,
        auth_protocol=auth,
        auth_password=auth_pw,
        priv_protocol=priv,
        priv_password=priv_pw,
        context=_string(t.get("context", d.context), f"{k}.context"),
        wan_interface=_snmp_if(t.get("wan_interface", d.wan_interface), f"{k}.wan_interface"),
        lan_interface=_snmp_if(t.get("lan_interface", d.lan_interface), f"{k}.lan_interface"),
        interval=_number(t.get("interval", d.interval), f"{k}.interval", *_INTERVAL),
        timeout=_number(t.get("timeout", d.timeout), f"{k}.timeout", *_TIMEOUT),
        retries=_integer(t.get("retries", d.retries), f"{k}.retries", 0, 10),
    )


def _snmp_if(value: object, key: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ConfigError(f"{key}: an ifIndex is 1 or more, got {value}")
        return str(value)
    return _interface(value, key)


def parse_config(data: dict, source: str = "defaults") -> MonitorConfig:
    """Check a parsed TOML document (its ``[monitor]`` table) and build the config."""
    if not isinstance(data, dict):
        raise ConfigError("monitor: expected a table")
    m = _section(data, "monitor")
    d = MonitorConfig()
    sections = {"dns", "http", "interfaces", "snmp"}
    scalars = {f.name for f in fields(MonitorConfig)} - sections - {"source"}
    _check_keys(m, "monitor", scalars | sections)

    targets = d.targets
    if "targets" in m:
        raw = m["targets"]
        if not isinstance(raw, list):
            raise ConfigError(f"monitor.targets: expected a list of hosts, got {_show(raw)}")
        targets = tuple(parse_target(v, f"monitor.targets[{i}]") for i, v in enumerate(raw))
        if len(targets) < 2:
            raise ConfigError(
                "monitor.targets: give at least 2 internet targets, so that one unreachable "
                "host is not taken for an outage"
            )
        seen: set[str] = set()
        for i, tg in enumerate(targets):
            if tg.name in seen:
                raise ConfigError(f"monitor.targets[{i}]: listed twice: {tg.name!r}")
            seen.add(tg.name)

    interval = _number(m.get("ping_interval", d.ping_interval), "monitor.ping_interval", 0.01, 3600)
    timeout = _number(m.get("ping_timeout", d.ping_timeout), "monitor.ping_timeout", *_TIMEOUT)
    cfg = MonitorConfig(
        gateway=_host_or(m.get("gateway", d.gateway), "monitor.gateway", "auto", empty=True),
        targets=targets,
        ping_interval=interval,
        ping_timeout=timeout,
        loss_window=_integer(m.get("loss_window", d.loss_window), "monitor.loss_window", 2, 100000),
        outage_after=_integer(
            m.get("outage_after", d.outage_after), "monitor.outage_after", 1, 10000
        ),
        status_interval=_number(
            m.get("status_interval", d.status_interval), "monitor.status_interval", 0.1, 3600
        ),
        sample_interval=_number(
            m.get("sample_interval", d.sample_interval), "monitor.sample_interval", 1, 86400
        ),
        retention_days=_integer(
            m.get("retention_days", d.retention_days), "monitor.retention_days", 1, 36500
        ),
        dns=_parse_dns(_section(m, "monitor.dns")),
        http=_parse_http(_section(m, "monitor.http")),
        interfaces=_parse_interfaces(_section(m, "monitor.interfaces")),
        snmp=_parse_snmp(_section(m, "monitor.snmp")),
        source=source,
    )
    if cfg.snmp.enabled and cfg.snmp.host == "gateway" and cfg.gateway == "":
        raise ConfigError(
            'monitor.snmp.host: is "gateway" but monitor.gateway is empty; name the router'
        )
    return cfg


def load_config(path: str | os.PathLike[str] | None = None) -> MonitorConfig:
    """The configuration in ``path`` (TOML), or the defaults when ``path`` is None."""
    if path is None:
        return MonitorConfig()
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{os.fspath(path)}: no such configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{os.fspath(path)}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{os.fspath(path)}: not valid TOML: {exc}") from None
    return parse_config(data, source=os.fspath(path))
