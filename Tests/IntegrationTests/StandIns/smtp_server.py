"""An SMTP server (aiosmtpd) for the tests of the `smtp` check.

Usage: python smtp_server.py [CERT_FILE KEY_FILE]   (STARTTLS offered when given)
Prints `port N` once it listens on 127.0.0.1, then serves until killed. With certificates it
offers STARTTLS and, after it, AUTH PLAIN for the user `monitor` with the password `s3cret`.
"""

import asyncio
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = mechanism == "PLAIN" and auth_data.login == b"monitor" and auth_data.password == b"s3cret"
    # handled=False: aiosmtpd then answers a failure with 535 itself.
    return AuthResult(success=ok, handled=False)


async def main():
    context = None
    if len(sys.argv) == 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))

    def factory():
        return SMTP(
            handler=None,
            hostname="mail.vitals.test",
            ident="Vitals test SMTP",
            tls_context=context,
            require_starttls=False,
            authenticator=authenticate,
            auth_require_tls=True,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, sock=listener)
    print("port %d" % listener.getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
