"""A server that greets as IMAP or POP3 and upgrades to TLS on STARTTLS / STLS, for the tests of
the `tls` check's `starttls`. It stands in for the upgrade only: after the handshake it closes.

Usage: python starttls_server.py imap|pop3 CERT_FILE KEY_FILE [refuse]
Prints `port N` once it listens on 127.0.0.1, then serves until killed. With `refuse` it answers
the upgrade command with an error, as a server without TLS configured does.
"""

import asyncio
import socket
import ssl
import sys

PROTOCOL, CERT, KEY = sys.argv[1], sys.argv[2], sys.argv[3]
REFUSE = len(sys.argv) > 4 and sys.argv[4] == "refuse"
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)


async def serve(reader, writer):
    loop = asyncio.get_running_loop()
    try:
        if PROTOCOL == "imap":
            writer.write(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] Vitals test IMAP ready\r\n")
            line = await reader.readline()
            tag = line.split(b" ", 1)[0]
            if REFUSE:
                writer.write(tag + b" BAD STARTTLS not available\r\n")
                await writer.drain()
                return
            writer.write(b"* NOTE an untagged line first\r\n" + tag + b" OK Begin TLS negotiation now\r\n")
        else:
            writer.write(b"+OK Vitals test POP3 ready\r\n")
            await reader.readline()
            if REFUSE:
                writer.write(b"-ERR STLS not available\r\n")
                await writer.drain()
                return
            writer.write(b"+OK Begin TLS negotiation\r\n")
        await writer.drain()
        await writer.start_tls(context)
        await reader.read(1)  # until the client goes
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def main():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = await asyncio.start_server(serve, sock=listener)
    print("port %d" % listener.getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
