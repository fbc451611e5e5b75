"""Slow responders for the lab's internet namespace (netem is not available).

Run as ``python -m hotspot_manager.lab.responders delay --ms 150 --port 7001``:
a UDP echo server and a TCP echo server on the same port that wait ``--ms``
milliseconds before sending each answer back. Requests are handled
concurrently (a slow answer never holds up the next request), so a probe's
round trip is the network's plus the delay.

Note that the TCP handshake itself is answered by the kernel at once: measure
the delay on data (send, wait for the echo), not on connect().
"""

from __future__ import annotations

import argparse
import asyncio
import signal


class _UdpEcho(asyncio.DatagramProtocol):
    def __init__(self, delay: float):
        self.delay = delay
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(self.delay, self._reply, data, addr)

    def _reply(self, data: bytes, addr) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, addr)


async def _tcp_echo(delay: float, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve_delay(bind: str, port: int, ms: float, protos: set[str]) -> None:
    delay = ms / 1000.0
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    closers = []
    if "udp" in protos:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpEcho(delay), local_addr=(bind, port)
        )
        closers.append(transport.close)
    if "tcp" in protos:
        server = await asyncio.start_server(
            lambda r, w: _tcp_echo(delay, r, w), host=bind, port=port, reuse_address=True
        )
        closers.append(server.close)
    await stop
    for close in closers:
        close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hotspot_manager.lab.responders")
    sub = p.add_subparsers(dest="kind", required=True)
    d = sub.add_parser("delay", help="UDP/TCP echo that waits before answering")
    d.add_argument("--ms", type=float, required=True)
    d.add_argument("--port", type=int, required=True)
    d.add_argument("--bind", default="0.0.0.0")
    d.add_argument("--proto", choices=("udp", "tcp", "both"), default="both")
    args = p.parse_args(argv)
    protos = {"udp", "tcp"} if args.proto == "both" else {args.proto}
    asyncio.run(serve_delay(args.bind, args.port, args.ms, protos))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
