"""A gRPC health client (grpcio-health-checking), as kubelet's gRPC probe or Consul would call Vitals.

Usage: python health_client.py HOST:PORT SERVICE check|watch [CA_FILE [CERT_FILE KEY_FILE]]
`check` prints the status (or the RPC's error code) and exits; `watch` prints each status the server
streams, one a line, until the stream ends. With CA_FILE it speaks TLS, trusting that CA (and
presents the client certificate when given).
"""

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

address, service, mode = sys.argv[1], sys.argv[2], sys.argv[3]


def read(path):
    with open(path, "rb") as file:
        return file.read()


if len(sys.argv) > 4:
    client = (read(sys.argv[6]), read(sys.argv[5])) if len(sys.argv) > 6 else (None, None)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(sys.argv[4]), private_key=client[0], certificate_chain=client[1]
    )
    channel = grpc.secure_channel(address, credentials)
else:
    channel = grpc.insecure_channel(address)
with channel:
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service="" if service == "-" else service)
    try:
        if mode == "check":
            reply = stub.Check(request, timeout=5)
            print(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status), flush=True)
        else:
            for reply in stub.Watch(request):
                print(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status), flush=True)
            print("END", flush=True)
    except grpc.RpcError as error:
        print(error.code().name, flush=True)
