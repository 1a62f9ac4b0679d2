"""A gRPC server with the standard health service (grpcio-health-checking), for the tests of the
`grpc` check.

Usage: python health_server.py [CERT_FILE KEY_FILE]   (TLS when given)
Prints `port N` once it listens on 127.0.0.1. Then reads commands from standard input, one a line,
and prints `ok` after each:
    set SERVICE STATUS      (SERVICE `-` is the server overall; STATUS SERVING, NOT_SERVING, ...)
"""

import sys
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
servicer = health.HealthServicer()
health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
if len(sys.argv) == 3:
    with open(sys.argv[1], "rb") as cert, open(sys.argv[2], "rb") as key:
        credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
    port = server.add_secure_port("127.0.0.1:0", credentials)
else:
    port = server.add_insecure_port("127.0.0.1:0")
server.start()
print("port %d" % port, flush=True)

for line in sys.stdin:
    parts = line.split()
    if len(parts) == 3 and parts[0] == "set":
        service = "" if parts[1] == "-" else parts[1]
        servicer.set(service, health_pb2.HealthCheckResponse.ServingStatus.Value(parts[2]))
        print("ok", flush=True)
    else:
        print("unknown command: " + line.strip(), flush=True)
server.stop(0)
