import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core storage plus the connection, which the stand-in
/// needs to see the peer's address (fault controls are loopback-only) and to drop connections.
struct StandInContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    var peerIsLoopback: Bool {
        guard let address = channel.remoteAddress?.ipAddress else { return false }
        return Loopback.contains(ipAddress: address)
    }
}

/// Thrown after a fault closed the connection on purpose; nothing more is written.
struct ConnectionDropped: Error {}
