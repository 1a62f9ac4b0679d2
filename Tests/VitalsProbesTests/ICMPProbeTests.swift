import NIOCore
import Testing
import Vitals

@testable import VitalsProbes

/// How the `icmp` probe builds requests, recognises replies and judges them; the real kernel path is
/// in the integration tests (`ICMPCheckTests`).
@Suite struct ICMPProbeTests {
    private let token: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]

    @Test func theChecksumIsRFC1071s() {
        // RFC 1071's example sums 0001 f203 f4f5 f6f7 to ddf2; the checksum is its complement.
        #expect(ICMPProbe.checksum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]) == ~UInt16(0xDDF2))
        // A packet with its checksum in place sums to zero.
        let request = ICMPProbe.echoRequest(sequence: 7, token: token, ipv6: false)
        #expect(ICMPProbe.checksum(request) == 0)
        #expect(Array(request.prefix(2)) == [8, 0])
        #expect(Array(request[6..<8]) == [0, 7])
    }

    @Test func onlyAnEchoReplyWithThisRunsTokenCounts() {
        var reply = ICMPProbe.echoRequest(sequence: 2, token: token, ipv6: false)
        reply[0] = 0
        #expect(ICMPProbe.sequence(ofReply: ByteBuffer(bytes: reply), token: token, raw: false, ipv6: false) == 2)
        // A raw socket sees the IPv4 header (here 20 bytes) first.
        let header: [UInt8] = [0x45] + [UInt8](repeating: 0, count: 19)
        #expect(
            ICMPProbe.sequence(ofReply: ByteBuffer(bytes: header + reply), token: token, raw: true, ipv6: false) == 2
        )
        // Our own request, seen by a raw socket on loopback, and another run's reply are not replies.
        let request = ICMPProbe.echoRequest(sequence: 2, token: token, ipv6: false)
        #expect(
            ICMPProbe.sequence(ofReply: ByteBuffer(bytes: header + request), token: token, raw: true, ipv6: false)
                == nil
        )
        let other = ICMPProbe.sequence(
            ofReply: ByteBuffer(bytes: reply),
            token: [9, 9, 9, 9, 9, 9, 9, 9],
            raw: false,
            ipv6: false
        )
        #expect(other == nil)
        var reply6 = ICMPProbe.echoRequest(sequence: 1, token: token, ipv6: true)
        reply6[0] = 129
        #expect(ICMPProbe.sequence(ofReply: ByteBuffer(bytes: reply6), token: token, raw: true, ipv6: true) == 1)
    }

    @Test func lossWarnsAboveWarnLossAndFailsAboveFailLoss() {
        let probe = ICMPProbe(host: "10.0.0.1", count: 4, warnLossPercent: 0, failLossPercent: 50)
        let all = probe.judge(
            replies: [.milliseconds(1), .milliseconds(2), .milliseconds(3), .milliseconds(2)],
            to: "10.0.0.1"
        )
        #expect(all.status == .pass)
        #expect(all.message == "4/4 replies from 10.0.0.1, rtt min/avg/max 1/2/3 ms")
        let one = probe.judge(replies: [.milliseconds(1), .milliseconds(1), .milliseconds(1)], to: "10.0.0.1")
        #expect(one.status == .warn)
        #expect(one.message.hasSuffix(", 25% lost"))
        let half = probe.judge(replies: [.milliseconds(1), .milliseconds(1)], to: "10.0.0.1")
        #expect(half.status == .warn, "50% is not above fail_loss_percent 50")
        let most = probe.judge(replies: [.milliseconds(1)], to: "10.0.0.1")
        #expect(most.status == .fail)
        #expect(most.reason == ICMPProbe.loss)
        let none = probe.judge(replies: [], to: "10.0.0.1")
        #expect(none.message == "0/4 replies from 10.0.0.1, 100% lost")
        #expect(none.observations.map(\.name) == ["loss_percent"])
    }

    @Test func aSlowMeanRoundTripWarns() {
        let probe = ICMPProbe(host: "10.0.0.1", count: 2, warnAfter: .milliseconds(5))
        let slow = probe.judge(replies: [.milliseconds(4), .milliseconds(8)], to: "10.0.0.1")
        #expect(slow.status == .warn)
        #expect(slow.message.hasSuffix(", slower than 5 ms"))
        #expect(probe.judge(replies: [.milliseconds(4), .milliseconds(5)], to: "10.0.0.1").status == .pass)
    }
}
