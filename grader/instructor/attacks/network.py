"""Reach a listener the checker runs: UDP or TCP on 127.0.0.1, a Unix socket (abstract or by path)."""

import socket

from _common import outcome


def attack(kind, address, token):
    """Send ``token`` to ``address``; "done" or the error that stopped it."""
    data = token.encode()
    if kind == "udp":
        def send():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for _ in range(3):  # a datagram may be dropped: three chances
                    udp.sendto(data, (address[0], address[1]))
    elif kind == "tcp":
        def send():
            with socket.create_connection((address[0], address[1]), timeout=3) as tcp:
                tcp.sendall(data)
    else:  # a Unix socket: an abstract name starts with a NUL byte
        def send():
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
                unix.settimeout(3)
                unix.connect(address)
                unix.sendall(data)
    return outcome(send)
