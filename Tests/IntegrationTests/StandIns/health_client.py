"""A gRPC health client (grpcio-health-checking), as kubelet's gRPC probe or Consul would call Vitals.

Usage: python health_client.py HOST:PORT SERVICE check|watch
`check` prints the status (or the RPC's error code) and exits; `watch` prints each status the server
streams, one a line, until the stream ends.
"""

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

address, service, mode = sys.argv[1], sys.argv[2], sys.argv[3]
with grpc.insecure_channel(address) as channel:
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
