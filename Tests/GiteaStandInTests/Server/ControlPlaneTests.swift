import Foundation
import GiteaStandIn
import Testing

@Suite("Fault controls are loopback-only; the request log holds method and path only")
struct ControlPlaneTests {
    @Test(
        "loopback classification",
        arguments: [
            ("127.0.0.1", true), ("127.8.9.10", true), ("::1", true), ("::ffff:127.0.0.1", true),
            ("192.0.2.2", false), ("10.0.0.1", false), ("128.0.0.1", false), ("fd00::2", false),
            ("::ffff:192.0.2.2", false), ("fe80::1", false), ("127.0.0", false), ("1.127.0.0", false),
        ])
    func classify(address: String, loopback: Bool) {
        #expect(Loopback.contains(ipAddress: address) == loopback)
    }

    // The refusal of non-loopback peers is covered by `classify` above plus the single call site
    // (StandInContext.isLoopbackPeer). A live test would need traffic to a non-loopback address,
    // which this project's tests never send.

    @Test("the request log has method and path, no query, no credentials, no control calls")
    func requestLog() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("t")
            _ = try await standIn.addFault(#"{"route":"version","status":500}"#)
            _ = try await standIn.send(.GET, "/api/v1/users/alice/tokens?page=2&limit=5", as: .basic("alice", "alice-pw"))
            _ = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            let log = await standIn.server.requestLog()
            #expect(log == [
                "POST /api/v1/users/alice/tokens",
                "GET /api/v1/users/alice/tokens",
                "GET /api/v1/user",
            ])
            #expect(!log.joined().contains(value))
            #expect(!log.joined().contains("alice-pw"))
        }
    }
}
