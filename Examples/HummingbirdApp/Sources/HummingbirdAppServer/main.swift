import Hummingbird
import HummingbirdApp

// runService starts the server and the monitor together and stops both on SIGTERM or SIGINT:
// the server drains its open requests before the process exits.
let app = buildApplication(AppConfiguration(host: "127.0.0.1", port: 8080))
try await app.runService()
