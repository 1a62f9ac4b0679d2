import Testing

@testable import Vitals

@Suite struct ScrubberTests {
    @Test(arguments: [
        ("postgres://app:s3cret@127.0.0.1:5432/db", "postgres://app:********@127.0.0.1:5432/db"),
        ("GET http://u:p@host/x failed", "GET http://u:********@host/x failed"),
        ("no secret in http://host:80/path", "no secret in http://host:80/path"),
        ("host=db password=hunter2 user=app", "host=db password=******** user=app"),
        ("https://x.test/?token=abc&x=1", "https://x.test/?token=********&x=1"),
        ("two: a://u:1@h and b://v:2@k", "two: a://u:********@h and b://v:********@k"),
    ])
    func masksSecretsInText(input: String, expected: String) {
        #expect(Scrubber.scrub(input) == expected)
    }

    @Test(arguments: ["Authorization", "X-API-Key", "PGPASSWORD", "session_id", "AWS_SECRET_ACCESS_KEY", "db_dsn"])
    func recognisesSecretNames(name: String) {
        #expect(Scrubber.isSecretName(name))
    }

    @Test(arguments: ["Accept", "PATH", "HOME", "User-Agent"])
    func leavesOrdinaryNamesAlone(name: String) {
        #expect(!Scrubber.isSecretName(name))
    }
}
