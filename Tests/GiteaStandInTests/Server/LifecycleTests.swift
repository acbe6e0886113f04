import Foundation
import GiteaStandIn
import Testing

@Suite("Starting and stopping in-process")
struct LifecycleTests {
    @Test("start reports a loopback URL with the real port; stop closes the listener")
    func startStop() async throws {
        let server = GiteaStandIn(users: [alice])
        let url = try await server.start()
        #expect(url.hasPrefix("http://127.0.0.1:"))
        let port = try #require(Int(url.split(separator: ":").last ?? ""))
        #expect(port > 0)
        #expect(await server.baseURL == url)
        let standIn = StandIn(server: server, baseURL: url)
        #expect(try await standIn.send(.GET, "/api/v1/version").status == 200)

        await server.stop()
        #expect(await server.baseURL == nil)
        // The client retries refused connections until its deadline, so keep the deadline short.
        await #expect(throws: (any Error).self) {
            try await standIn.send(.GET, "/api/v1/version", timeout: .seconds(1))
        }
    }

    @Test("a port already in use makes start throw instead of hanging")
    func portInUse() async throws {
        try await withStandIn { (standIn) async throws in
            let port = try #require(Int(standIn.baseURL.split(separator: ":").last ?? ""))
            let second = GiteaStandIn(users: [alice])
            await #expect(throws: (any Error).self) { try await second.start(port: port) }
            #expect(try await standIn.send(.GET, "/api/v1/version").status == 200)
        }
    }

    @Test("tokens survive a stop and start, like a restarted server's database")
    func restart() async throws {
        let server = GiteaStandIn(users: [alice])
        let first = StandIn(server: server, baseURL: try await server.start())
        let value = try await first.mintValue("kept")
        await server.stop()
        let second = StandIn(server: server, baseURL: try await server.start())
        let me = try await second.send(.GET, "/api/v1/user", as: .token(value))
        await server.stop()
        #expect(me.status == 200)
        #expect(me.object["login"] as? String == "alice")
    }
}
