"""How fast `linkratio expand` resolves short links against slow shorteners.

    python bench/expand.py                 # 2,000 links over 8 shorteners, 50 ms each
    python bench/expand.py --links 500 --latency 0.1

Eight local shortener hosts (127.0.0.2 to 127.0.0.9: the per-host limit counts a host
whatever its port, so each needs an address of its own) each wait `--latency` seconds
before answering with a 301 to a destination host (127.0.0.1) that answers at once.
The expander runs with its defaults (16 requests at once, 4 per host) and saves into a
fresh library, as the command does. The ideal rate is concurrency / latency
(16 / 0.05 s = 320 links/s); the target is 60% of it. The result is printed and stored
under "expand" in bench/results.json (other keys are kept).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
TARGET_SHARE = 0.6


async def _serve_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float, dest: int
) -> None:
    """Answer requests on one keep-alive connection: wait, then redirect (or 200)."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            if latency:
                await asyncio.sleep(latency)
                answer = (
                    "HTTP/1.1 301 Moved Permanently\r\n"
                    f"Location: http://127.0.0.1:{dest}/story{path}\r\n"
                    "Content-Length: 0\r\n\r\n"
                )
            else:
                answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
            writer.write(answer.encode())
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _servers(socks: list[socket.socket], latency: float, dest: int) -> None:
    """The server process: the shorteners (all socks but the last) and the destination."""

    async def main() -> None:
        servers = []
        for i, sock in enumerate(socks):
            wait = latency if i < len(socks) - 1 else 0.0
            servers.append(
                await asyncio.start_server(
                    lambda r, w, wait=wait: _serve_connection(r, w, wait, dest), sock=sock
                )
            )
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


def _listen(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, 0))
    sock.listen(256)
    return sock


def measure(links: int, hosts: int, latency: float) -> dict[str, object]:
    """Run the servers in a child process, expand `links` short links, return the figures."""
    from linkratio.frame import Library
    from linkratio.links.expand import ExpandOptions
    from linkratio.links.expand_run import expand_urls
    from linkratio.net.netguard import Guard

    if not 1 <= hosts <= 253:
        raise SystemExit("--hosts: 1 to 253 (one loopback address each)")
    addresses = [f"127.0.0.{2 + i}" for i in range(hosts)]
    socks = [_listen(a) for a in [*addresses, "127.0.0.1"]]
    ports = [s.getsockname()[1] for s in socks]
    server = multiprocessing.get_context("fork").Process(
        target=_servers, args=(socks, latency, ports[-1]), daemon=True
    )
    server.start()
    for sock in socks:
        sock.close()  # the child holds them
    urls = [f"http://{addresses[i % hosts]}:{ports[i % hosts]}/s{i}" for i in range(links)]
    options = ExpandOptions()
    try:
        with tempfile.TemporaryDirectory() as tmp, Library(Path(tmp) / "bench.sqlite") as lib:
            load = os.getloadavg()[0]
            start, cpu = time.perf_counter(), time.process_time()
            counts = expand_urls(lib, urls, options=options, guard=Guard(allow_private=True))
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu
    finally:
        server.terminate()
        server.join(5)
    if counts.resolved != links:
        raise SystemExit(f"only {counts.resolved} of {links} links resolved: {counts}")
    ideal = options.concurrency / latency
    rate = links / seconds
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": multiprocessing.cpu_count(),
        "links": links,
        "shortener_hosts": hosts,
        "latency_seconds": latency,
        "concurrency": options.concurrency,
        "per_host": options.per_host,
        "requests_per_link": 2,
        "seconds": round(seconds, 3),
        "client_cpu_ms_per_link": round(1000 * cpu / links, 2),
        "load_average_before": round(load, 2),
        "links_per_second": round(rate, 1),
        "ideal_links_per_second": round(ideal, 1),
        "target_links_per_second": round(TARGET_SHARE * ideal, 1),
        "share_of_ideal": round(rate / ideal, 3),
        "meets_target": rate >= TARGET_SHARE * ideal,
    }


def main() -> int:
    """Parse the options, run the benchmark, print and store the result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=2000, help="distinct short links (2000)")
    parser.add_argument("--hosts", type=int, default=8, help="shortener hosts (8)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer (0.05)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON results file")
    ns = parser.parse_args()
    result = measure(ns.links, ns.hosts, ns.latency)
    print(
        f"expand: {result['links']:,} links over {result['shortener_hosts']} shorteners "
        f"({ns.latency * 1000:.0f} ms each) in {result['seconds']} s = "
        f"{result['links_per_second']} links/s; ideal {result['ideal_links_per_second']}, "
        f"target {result['target_links_per_second']} "
        f"({'met' if result['meets_target'] else 'NOT met'}, "
        f"{result['share_of_ideal']:.0%} of ideal); client CPU "
        f"{result['client_cpu_ms_per_link']} ms/link, load average {result['load_average_before']}"
    )
    stored = json.loads(ns.results.read_text()) if ns.results.exists() else {}
    stored["expand"] = result
    ns.results.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
