import NIOCore
import Testing
import Vitals

@testable import VitalsProbes

/// SMTP replies as servers write them (RFC 5321 §4.2), split across reads at every byte.
struct SMTPRepliesTests {
    /// Postfix's EHLO reply, then a one-line reply.
    static let conversation = Array(
        ("250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
            + "250-AUTH PLAIN LOGIN\r\n250 CHUNKING\r\n220 2.0.0 Ready to start TLS\r\n").utf8
    )

    private func replies(_ chunks: [[UInt8]]) -> SMTPReplies {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        for chunk in chunks { continuation.yield(ByteBuffer(bytes: chunk)) }
        continuation.finish()
        return SMTPReplies(stream)
    }

    @Test(arguments: [1, 2, 3, 7, 200]) func joinsContinuationLinesWhateverTheReads(size: Int) async throws {
        let chunks = stride(from: 0, to: Self.conversation.count, by: size).map {
            Array(Self.conversation[$0..<min($0 + size, Self.conversation.count)])
        }
        var replies = replies(chunks)
        let hello = try await replies.next()
        #expect(hello.code == 250)
        #expect(
            hello.lines == [
                "mail.example.com", "PIPELINING", "SIZE 10240000", "STARTTLS", "AUTH PLAIN LOGIN", "CHUNKING",
            ]
        )
        let ready = try await replies.next()
        #expect(ready.code == 220)
        #expect(ready.shown == "220 2.0.0 Ready to start TLS")
        // The server closed after that: the next reply is an error, not a hang.
        await #expect(throws: CheckFailure.self) { _ = try await replies.next() }
    }

    @Test(
        arguments: [
            ("+OK POP3 ready\r\n", "body"), ("250-first\r\n251 other code\r\n", "body"), ("2500 wrong\r\n", "body"),
            ("HTTP/1.1 400 Bad Request\r\n", "body"), ("250-cut short", "refused"),
        ]
    )
    func refusesWhatIsNotSMTP(text: String, reason: String) async throws {
        var replies = replies([Array(text.utf8)])
        await #expect {
            _ = try await replies.next()
        } throws: { error in
            (error as? CheckFailure)?.reason == FailureReason(reason)
        }
    }
}
