#!/usr/bin/env python3
"""A hostile 'destination agent' for docs/experiments/security-faults.sh: answers every request with status 200 and
an endless chunked body ('{' then spaces), until the client hangs up or LIMIT bytes are sent. Loopback only."""
import socket
import sys
import threading

PORT = int(sys.argv[1])
LIMIT = int(sys.argv[2]) if len(sys.argv) > 2 else 4 << 30
CHUNK = b"10000\r\n" + b" " * 0x10000 + b"\r\n"


def serve(conn):
    with conn:
        try:
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                more = conn.recv(4096)
                if not more:
                    return
                data += more
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n")
            sent = 0
            while sent < LIMIT:
                conn.sendall(CHUNK)
                sent += 0x10000
        except OSError:
            pass


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", PORT))
listener.listen(16)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
