import Foundation
import GiteaStandIn
import NIOCore
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

    /// An IPv4 address of this machine that is not loopback, if it has one.
    static var externalIPv4: String? {
        let devices = (try? System.enumerateDevices()) ?? []
        return devices.compactMap { device -> String? in
            guard let address = device.address, case .v4 = address, let ip = address.ipAddress else { return nil }
            return Loopback.contains(ipAddress: ip) ? nil : ip
        }.first
    }

    @Test("a peer that is not loopback gets 403 from /_standin/faults, and its rule is not added")
    func refusesRemotePeer() async throws {
        // Binding the wildcard lets a request arrive from this machine's own non-loopback address.
        let ip = try #require(Self.externalIPv4, "this test needs a non-loopback IPv4 interface")
        try await withStandIn(host: "0.0.0.0") { (standIn) async throws in
            let port = try #require(standIn.baseURL.split(separator: ":").last)
            let remote = "http://\(ip):\(port)"
            let refused = try await standIn.send(.POST, "/_standin/faults", json: #"{"route":"any","times":0,"status":500}"#, to: remote)
            #expect(refused.status == 403)
            let refusedClear = try await standIn.send(.DELETE, "/_standin/faults", to: remote)
            #expect(refusedClear.status == 403)
            #expect(try await standIn.send(.GET, "/api/v1/version", to: remote).status == 200)

            let local = try await standIn.addFault(#"{"route":"version","status":500}"#)
            #expect(local.status == 201)
            #expect(try await standIn.send(.GET, "/api/v1/version").status == 500)
        }
    }

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
