import Testing

@testable import VitalsDaemon

@Suite struct DaemonOptionsTests {
    @Test(
        arguments: [
            (nil, nil), ("/var/lib/vitals", "/var/lib/vitals"), ("/var/lib/vitals:/var/lib/other", "/var/lib/vitals"),
        ] as [(String?, String?)]
    )
    func theDefaultStoragePathIsTheFirstStateDirectory(_ variable: String?, _ expected: String?) {
        #expect(DaemonOptions.defaultStoragePath(stateDirectory: variable) == expected)
    }

    @Test func anEmptyStoragePathKeepsNothing() {
        #expect(DaemonOptions(storagePath: "").storageDirectory == nil)
        #expect(DaemonOptions(storagePath: "/x").storageDirectory == "/x")
    }
}
