import Testing

@testable import Vitals

@Suite struct TextRendererTests {
    @Test func writesOneLinePerCheck() {
        let text = String(decoding: TextRenderer.render(sampleSnapshot().checks), as: UTF8.self)
        #expect(
            text == """
                api: OK
                db "main": FAILED connection refused at 127.0.0.1
                disk: WARNING 15% free

                """
        )
    }

    @Test func pendingCheckIsFailedPending() {
        let text = String(decoding: TextRenderer.render(recordedChecks([], pending: ["new"])), as: UTF8.self)
        #expect(text == "new: FAILED pending\n")
    }
}
