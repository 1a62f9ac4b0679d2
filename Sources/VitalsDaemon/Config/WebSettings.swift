/// The `web` section: how `/health` answers.
struct WebSettings: Sendable, Equatable {
    /// HTTP status of `/health` when a critical check fails; 400...599.
    var failureStatus: Int = ConfigDefaults.failureStatus
    /// Extra response headers on `/health`, in file order.
    var headers: [HeaderField] = []
}
