import Testing

@testable import Vitals

@Suite struct StatusPageRendererTests {
    private func page(_ checks: [CheckSnapshot], now: Double = 1_700_000_013.5) -> String {
        String(decoding: StatusPageRenderer.render(checks, hostname: "web-1", now: now), as: UTF8.self)
    }

    @Test func ordersFailingThenWarningThenPassing() {
        let page = page(sampleSnapshot().checks)
        let names = page.matches(of: /<tr data-check="([^"]*)"/).map { String($0.output.1) }
        #expect(names == ["db &quot;main&quot;", "disk", "api"])
        let statuses = page.matches(of: /<tr data-check="[^"]*" data-status="([^"]*)"/).map { String($0.output.1) }
        #expect(statuses == ["fail", "warn", "pass"])
    }

    @Test func sortsByNameWithinAStatus() {
        let checks = recordedChecks([
            Run(name: "b", outcome: .pass("ok")), Run(name: "a", outcome: .pass("ok")),
            Run(name: "c", outcome: .fail("x")),
        ])
        #expect(StatusPageRenderer.ordered(checks).map(\.name) == ["c", "a", "b"])
    }

    @Test func escapesEverythingShown() {
        let checks = recordedChecks(
            [Run(name: "x<y>", outcome: .fail("<script>alert('&')</script>"))])
        let page = page(checks)
        #expect(!page.contains("<script"))
        #expect(page.contains("&lt;script&gt;alert(&#39;&amp;&#39;)&lt;/script&gt;"))
        #expect(page.contains("data-check=\"x&lt;y&gt;\""))
    }

    @Test func isSelfContainedAndResponsive() {
        let page = page(sampleSnapshot().checks)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        #expect(page.contains("<meta http-equiv=\"refresh\" content=\"10\">"))
        #expect(page.contains("prefers-color-scheme: dark"))
        #expect(!page.contains("http://"))
        #expect(!page.contains("https://"))
        #expect(!page.contains("<link"))
        #expect(!page.contains("<script"))
        #expect(!page.contains("src="))
    }

    @Test func showsAgeLatencyTagsAndHistory() {
        let page = page(sampleSnapshot().checks)
        #expect(page.contains(">12 s ago</td>"))
        #expect(page.contains(">3.0 ms</td>"))
        #expect(page.contains("<span class=\"tag\">ready</span>"))
        #expect(page.contains("<span class=\"note\">non-critical</span>"))
        #expect(page.contains("<i class=\"warn\" title=\"2023-11-14T22:13:21.500Z warn 3.0 ms\"></i>"))
        #expect(
            page.contains(
                "<p class=\"banner warn\" data-status=\"warn\">Degraded: failing (non-critical): db &quot;main&quot;; warning: disk</p>"
            )
        )
    }

    @Test func pendingCheckHasNoAge() {
        let page = page(recordedChecks([], pending: ["new"]))
        #expect(page.contains(">never</td>"))
        #expect(page.contains("data-check=\"new\" data-status=\"fail\""))
        #expect(page.contains("<p class=\"banner fail\""))
    }

    @Test(arguments: [(0.4, "0 s ago"), (59.9, "59 s ago"), (61, "1 min ago"), (7200, "2 h ago"), (200_000, "2 d ago")])
    func formatsAges(seconds: Double, expected: String) {
        #expect(StatusPageRenderer.age(seconds) == expected)
    }
}
