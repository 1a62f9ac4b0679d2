/// A check fed from outside, such as a heartbeat that `/ping/{name}` reports to.
public protocol PingReceiver: Sendable {
    /// Records a ping: a success, or (from `/ping/{name}/fail`) a reported failure.
    func receivePing(success: Bool)
}
