"""Whether a TCP service answers: one connection, a bounded wait, the reason in words."""

from __future__ import annotations

import socket


def unanswered(host: str, port: int, timeout: float, *, speaks_first: bool = False) -> str | None:
    """Why no TCP connection to `host`:`port` can be made within `timeout` seconds, or (a
    service that `speaks_first`, as a Dask scheduler sends its handshake) why nothing came
    from it in as long: a few words for a one-line error. None: it answered (and is left)."""
    connected = False
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            connected = True
            if speaks_first and not sock.recv(1):
                return "it closed the connection at once"
            return None
    except socket.gaierror:
        return "its host name does not resolve"
    except TimeoutError:
        if connected:  # something listens there: not the service (an HTTP port, say)
            return f"something listens there but said nothing in {timeout:g} s"
        return f"no answer in {timeout:g} s"
    except OSError as e:  # refused, no route to the host, the network down
        return e.strerror or str(e)
