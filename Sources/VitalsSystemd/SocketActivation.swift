#if canImport(CSystemd)
import CSystemd
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The listening sockets systemd passes to a socket-activated service (`LISTEN_FDS`, `LISTEN_PID`;
/// descriptors from 3), as `sd_listen_fds(3)` reads them.
public enum SocketActivation {
    /// The passed descriptors that are listening stream sockets; empty when none were passed (or
    /// they were passed to another process). The variables are removed, so that children (plugins)
    /// do not take the sockets for theirs.
    public static func listeningStreamSockets() -> [Int32] {
        #if canImport(CSystemd)
        let count = sd_listen_fds(1)
        guard count > 0 else { return [] }
        return (0..<count).map { SD_LISTEN_FDS_START + $0 }.filter {
            sd_is_socket($0, AF_UNSPEC, Int32(SOCK_STREAM.rawValue), 1) > 0
        }
        #else
        return []
        #endif
    }
}
