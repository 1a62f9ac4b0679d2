import Testing

@testable import Vitals

@Suite struct ScrubberTests {
    private static let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl_-x"

    private static let secrets: [(String, String)] = [
        // URL userinfo
        ("postgres://app:s3cret@127.0.0.1:5432/db", "postgres://app:********@127.0.0.1:5432/db"),
        ("GET http://u:p@host/x failed", "GET http://u:********@host/x failed"),
        ("two: a://u:1@h and b://v:2@k", "two: a://u:********@h and b://v:********@k"),
        ("redis://:hunter2@cache:6379/0", "redis://:********@cache:6379/0"),
        ("mysql://root:p@ss@db/x", "mysql://root:********@db/x"),
        // query parameters
        ("https://x.test/?token=abc&x=1", "https://x.test/?token=********&x=1"),
        ("https://cdn.test/a.png?SIG=abc123#top", "https://cdn.test/a.png?SIG=********#top"),
        ("https://maps.test/api?key=AIzaSy123&zoom=3", "https://maps.test/api?key=********&zoom=3"),
        (
            "GET https://b.test/o?X-Amz-Credential=AKIA%2F2024&X-Amz-Signature=beef&X-Amz-Expires=60 failed",
            "GET https://b.test/o?X-Amz-Credential=********&X-Amz-Signature=********&X-Amz-Expires=60 failed"
        ),
        (
            "https://x.test/cb?access_token=a&apikey=b&api_key=c&signature=d&password=e&secret=f&page=2",
            "https://x.test/cb?access_token=********&apikey=********&api_key=********&signature=********"
                + "&password=********&secret=********&page=2"
        ),
        // key=value and key: value
        ("host=db password=hunter2 user=app", "host=db password=******** user=app"),
        ("passwd=x pwd=y", "passwd=******** pwd=********"),
        ("Server=db;Uid=app;Pwd=hunter2;", "Server=db;Uid=app;Pwd=********;"),
        ("secret: abc, next: 1", "secret: ********, next: 1"),
        ("token = abc", "token = ********"),
        ("API_KEY=abc apikey=abc api-key: abc", "API_KEY=******** apikey=******** api-key: ********"),
        (
            "access_key=a client_secret=b private_key: c",
            "access_key=******** client_secret=******** private_key: ********"
        ),
        (
            "MYSQL_PWD=a db_pass=b dbPassword=c auth_token=d",
            "MYSQL_PWD=******** db_pass=******** dbPassword=******** auth_token=********"
        ),
        ("password='hunter 2' ok", "password='********' ok"),
        ("café password=naïve1 ok", "café password=******** ok"),
        // JSON
        (#"{"password": "hunter2", "user": "app"}"#, #"{"password": "********", "user": "app"}"#),
        (#"{"password":"a\"b","x":1}"#, #"{"password":"********","x":1}"#),
        (#"{"client_secret": "s", "api_key": "k"}"#, #"{"client_secret": "********", "api_key": "********"}"#),
        (#"{"token": "cut off"#, #"{"token": "********"#),
        (#"{\"password\": \"hunter2\", \"user\": \"app\"}"#, #"{\"password\": \"********\", \"user\": \"app\"}"#),
        // Authorization headers, and Bearer or Basic anywhere
        ("Authorization: Bearer abc123", "Authorization: Bearer ********"),
        ("authorization: basic dXNlcjpwYXNz", "authorization: basic ********"),
        ("Authorization: s3cret", "Authorization: ********"),
        ("Proxy-Authorization: Basic YTpi", "Proxy-Authorization: Basic ********"),
        (#"{"Authorization": "Bearer abc"}"#, #"{"Authorization": "Bearer ********"}"#),
        ("sent Bearer abc.def-123 upstream", "sent Bearer ******** upstream"),
        ("got Basic dXNlcjpwYXNz back", "got Basic ******** back"),
        ("Bearer " + jwt + ".", "Bearer ********."),
        // JWTs
        (jwt, "********"),
        ("token " + jwt + " end", "token ******** end"),
        ("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "********"),
        // PEM private keys
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "********"),
        ("key:\n-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\nafter", "key:\n********\nafter"),
        ("cut -----BEGIN OPENSSH PRIVATE KEY-----\nAAAA", "cut ********"),
        ("one line -----BEGIN RSA PRIVATE KEY----- MIIB -----END RSA PRIVATE KEY----- done", "one line ******** done"),
        // options
        ("exec --password hunter2 --user app", "exec --password ******** --user app"),
        ("--api-key abc --client-secret 'a b'", "--api-key ******** --client-secret '********'"),
        ("run --db.password=x", "run --db.password=********"),
        ("[\"--token\", \"abc\"]", "[\"--token\", \"********\"]"),
    ]

    @Test(arguments: secrets)
    func masksOnlyTheSecret(input: String, expected: String) {
        #expect(Scrubber.scrub(input) == expected)
        #expect(Scrubber.scrub(expected) == expected, "scrubbing twice changes nothing")
    }

    private static let ordinaryTexts: [String] = [
        "HTTP 503 in 2 ms, expected 200-299",
        "HTTP 200 in 3.1 ms",
        "token bucket full",
        "/var/lib/secrets/token.txt not found",
        "primary key violated; key not found: user:42",
        "connection refused: 127.0.0.1:5432",
        "https://example.test/path?page=2&sort=name#key",
        "http://127.0.0.1:8080/health",
        "missing bearer token",
        "Basic auth required",
        #"WWW-Authenticate: Bearer realm="api""#,
        "pass: 3, fail: 1",
        "bypass=true max_tokens=100 password_file=/etc/pw secrets=3",
        "OLDPWD=/home/app",
        "exit code 2: eyJ is not JSON",
        "eyJust.some.words",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "--password --verbose",
        "-p hunter2",
        "dns: no such host db.internal (A)",
        "",
    ]

    @Test(arguments: ordinaryTexts)
    func leavesOrdinaryTextAlone(text: String) {
        #expect(Scrubber.scrub(text) == text)
    }

    @Test func masksTheArgumentAfterASecretLongOption() {
        let arguments = [
            "mysql", "--password", "hunter2", "--user", "app", "--token=abc", "-p", "x", "--api-key", "--verbose",
            "--client-secret", "s", "--dsn", "postgres://a:b@h/db",
        ]
        #expect(
            Scrubber.scrub(arguments: arguments) == [
                "mysql", "--password", "********", "--user", "app", "--token=********", "-p", "x", "--api-key",
                "--verbose", "--client-secret", "********", "--dsn", "postgres://a:********@h/db",
            ]
        )
    }

    @Test(arguments: [
        "Authorization", "X-API-Key", "PGPASSWORD", "session_id", "AWS_SECRET_ACCESS_KEY", "db_dsn", "MYSQL_PWD",
        "pwd_hash",
    ])
    func recognisesSecretNames(name: String) {
        #expect(Scrubber.isSecretName(name))
    }

    @Test(arguments: ["Accept", "PATH", "HOME", "User-Agent", "PWD", "OLDPWD"])
    func leavesOrdinaryNamesAlone(name: String) {
        #expect(!Scrubber.isSecretName(name))
    }

    @Test(
        arguments: [
            ("--password", true), ("--token", true), ("--api-key", true), ("--secret", true), ("--client-secret", true),
            ("--db.password", true), ("--pwd", true), ("--db-pass", true), ("--pass", false), ("--key", false),
            ("--password-file", false), ("--session-timeout", false), ("-p", false), ("--password=x", false),
        ] as [(String, Bool)]
    )
    func masksTheArgumentOnlyAfterASecretLongOption(option: String, masks: Bool) {
        #expect(Scrubber.masksArgument(after: option, "value") == masks)
        #expect(!Scrubber.masksArgument(after: option, "--next"))
    }
}
