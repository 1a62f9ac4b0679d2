import GRPCCore
import Testing

@testable import VitalsProbes

/// The health service's two messages in protobuf, and the authority parsing; the probe against a real
/// server is in the integration tests (`GRPCCheckTests`).
@Suite struct GRPCProbeTests {
    @Test func theRequestCarriesTheServiceNameAsField1() throws {
        let named: [UInt8] = try HealthRequestCoder().serialize("orders.v1.Orders")
        #expect(named == [0x0A, 16] + Array("orders.v1.Orders".utf8))
        // proto3 leaves a default (empty) string out.
        let overall: [UInt8] = try HealthRequestCoder().serialize("")
        #expect(overall.isEmpty)
    }

    @Test(
        arguments: [
            ([], GRPCProbe.ServingStatus.unknown),
            ([0x08, 0x01], .serving),
            ([0x08, 0x02], .notServing),
            ([0x08, 0x03], .serviceUnknown),
            // Fields the probe does not know are skipped: a string, a fixed64, then the status.
            ([0x12, 0x02, 0x61, 0x62, 0x19, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x01], .serving),
            ([0x08, 0x09], .unknown),
        ] as [([UInt8], GRPCProbe.ServingStatus)]
    )
    func theResponsesStatusIsField1(bytes: [UInt8], status: GRPCProbe.ServingStatus) throws {
        #expect(try HealthResponseCoder().deserialize(bytes) == status)
    }

    @Test func aTruncatedResponseIsAnError() {
        for bytes: [UInt8] in [[0x08], [0x12, 0x05, 0x61], [0x0F]] {
            #expect(throws: Protobuf.Malformed.self) { try HealthResponseCoder().deserialize(bytes) }
        }
    }

    @Test func theHostOfAnAuthority() {
        #expect(GRPCProbe.hostOfAuthority("api.example:443") == "api.example")
        #expect(GRPCProbe.hostOfAuthority("api.example") == "api.example")
        #expect(GRPCProbe.hostOfAuthority("[::1]:50051") == "::1")
    }
}
