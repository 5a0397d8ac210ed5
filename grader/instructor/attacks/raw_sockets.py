"""Open raw and packet sockets (which could forge or sniff traffic on the machine's interfaces)."""

import socket

from _common import outcome

KINDS = {
    "raw IPv4 (ICMP)": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
    "raw IPv6 (ICMPv6)": (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6),
    "packet (AF_PACKET)": (getattr(socket, "AF_PACKET", -1), socket.SOCK_RAW, 0x0300),  # ETH_P_ALL, big-endian
}


def attack():
    """{kind: "done" when the socket opened, else the error}."""
    def open_socket(family, kind, protocol):
        socket.socket(family, kind, protocol).close()

    return {name: outcome(lambda args=args: open_socket(*args)) for name, args in KINDS.items()}
