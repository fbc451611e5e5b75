"""`hotspot-manager lab up|down`: the virtual hotspot of docs/lab.md, by hand.

Building it needs root (network namespaces). The lab package is imported inside
the handlers, so registering these commands costs nothing.
"""

from __future__ import annotations

import argparse
import sys

PROG = "hotspot-manager"


def register(subparsers) -> None:
    lab = subparsers.add_parser(
        "lab",
        help="a virtual hotspot in network namespaces, for trying and testing (root)",
        description="Build or remove the virtual hotspot: a gateway namespace with a bridge "
        "(the capture interface), DHCP/DNS and NAT, an 'internet' namespace with HTTP, DNS and "
        "ping responders, and client namespaces that take DHCP leases. Needs root. "
        "See docs/lab.md.",
    )
    sub = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    up = sub.add_parser(
        "up",
        help="build the lab and leave it up",
        description="Build the lab (replacing leftovers with the same prefix) and leave it "
        "running; remove it with `lab down`.",
    )
    up.add_argument("--clients", type=int, default=3, help="client namespaces (default: 3)")
    up.add_argument("--prefix", default="hm", help="namespace name prefix (default: hm)")
    up.add_argument(
        "--no-dhcp",
        dest="dhcp",
        action="store_false",
        help="give the clients fixed addresses (.201, .202, ...) instead of DHCP leases",
    )
    up.add_argument("--json", action="store_true", help="print the lab's description as JSON")
    up.set_defaults(func=cmd_lab_up)
    down = sub.add_parser(
        "down",
        help="remove a lab (its processes, namespaces and files)",
        description="Remove everything of the lab with this prefix; also cleans up after a "
        "crashed test run.",
    )
    down.add_argument("--prefix", default="hm", help="namespace name prefix (default: hm)")
    down.set_defaults(func=cmd_lab_down)


def _fail(exc) -> int:
    print(f"{PROG}: error: {exc}", file=sys.stderr)
    return int(getattr(exc, "status", 1))


def cmd_lab_up(args: argparse.Namespace) -> int:
    from hotspot_manager.lab import Lab, LabError

    try:
        lab = Lab(clients=args.clients, prefix=args.prefix, dhcp=args.dhcp)
        lab.up()
    except LabError as exc:
        return _fail(exc)
    info = lab.describe()
    if args.json:
        import json

        info["setup_seconds"] = round(lab.setup_seconds or 0, 3)
        print(json.dumps(info, indent=2))
        return 0
    p = args.prefix
    c1 = lab.clients[0]
    lines = [
        f"Lab {p!r} is up ({lab.setup_seconds:.1f} s).",
        f"  gateway namespace  {lab.gateway_ns}: capture interface {lab.capture_interface} "
        f"({lab.gateway_ip}, LAN {lab.lan}), uplink {lab.uplink_interface} with NAT",
        f"  internet namespace {lab.internet_ns}: {', '.join(lab.internet_ips)} "
        f"(HTTP :80 /1k /10k /100k /1m /10m, DNS :53, ping)",
        "  clients:",
    ]
    for c in lab.clients:
        lines.append(f"    {c.ns:<12} {c.ifname}  {c.ip or '-':<15}  {c.mac}  {c.hostname}")
    lines += [
        f"  DHCP leases: {lab.lease_file}",
        f"  work directory (logs): {lab.workdir}",
        "",
        "Try:",
        f"  ip netns exec {c1.ns} curl -o /dev/null http://{lab.http_ip}/1m",
        f"  ip netns exec {lab.gateway_ns} tcpdump -ni {lab.capture_interface}",
        f"  ip netns exec {lab.gateway_ns} {PROG} agent --interface {lab.capture_interface} "
        f"--lan {lab.lan}",
        "Tear it down:",
        f"  {PROG} lab down --prefix {p}",
    ]
    print("\n".join(lines))
    return 0


def cmd_lab_down(args: argparse.Namespace) -> int:
    from hotspot_manager.lab import Lab, LabError

    try:
        removed = Lab.cleanup(args.prefix)
    except LabError as exc:
        return _fail(exc)
    if removed:
        print(f"Lab {args.prefix!r} removed: {', '.join(removed)}")
    else:
        print(f"No lab {args.prefix!r} was up (leftover files, if any, removed)")
    return 0
