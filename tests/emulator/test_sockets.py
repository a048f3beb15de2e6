"""The emulator's listening socket: accepted connections must get TCP_NODELAY from asyncio."""

from __future__ import annotations

import asyncio
import socket

from pulumi_personal_data.emulator.server import listening_socket


def test_accepted_connections_have_nagle_turned_off() -> None:
    """Without TCP_NODELAY every response body waited ~40 ms behind the client's delayed ACK."""
    seen: list[int] = []

    class Record(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            server_side = transport.get_extra_info("socket")
            seen.append(server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        sock = listening_socket("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Record, sock=sock)
        async with server:
            _reader, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    loop = asyncio.new_event_loop()  # not asyncio.run(): that would unset the thread's loop for later tests
    try:
        loop.run_until_complete(accept_one())
    finally:
        loop.close()
    assert seen and seen[0] != 0


def test_a_taken_port_is_an_os_error_and_leaks_no_socket() -> None:
    first = listening_socket("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        try:
            listening_socket("127.0.0.1", port)
        except OSError:
            pass
        else:
            raise AssertionError("binding a taken port should fail")
    finally:
        first.close()
