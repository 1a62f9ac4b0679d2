#!/usr/bin/env python3
"""Loopback targets for the probe benchmarks: --tcp PORT accepts and closes; --http PORT answers every
HTTP/1.1 request with 200 "ok" (keeping the connection unless the request says close)."""
import argparse
import asyncio


async def accept(reader, writer):
    writer.close()


async def answer(reader, writer):
    try:
        while True:
            request = await reader.readuntil(b'\r\n\r\n')
            close = b'connection: close' in request.lower()
            writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n'
                         + (b'Connection: close\r\n' if close else b'') + b'\r\nok')
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()


async def main(arguments):
    servers = []
    if arguments.tcp:
        servers.append(await asyncio.start_server(accept, '127.0.0.1', arguments.tcp, backlog=4096))
    if arguments.http:
        servers.append(await asyncio.start_server(answer, '127.0.0.1', arguments.http, backlog=4096))
    await asyncio.gather(*(server.serve_forever() for server in servers))


parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument('--tcp', type=int)
parser.add_argument('--http', type=int)
asyncio.run(main(parser.parse_args()))
