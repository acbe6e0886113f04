import AsyncHTTPClient
import Foundation
import GiteaStandIn
import NIOCore
import Testing

/// Answers a hostile or broken server could give, for testing that a client validates them.
@Suite("Hostile answers from /_standin/faults")
struct HostileFaultTests {
    /// JSON for a rule whose string fields hold control, bidi and line-separator characters.
    static func rule(_ fields: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
    }

    static let lineSeparatorName = "rekey-1\u{2028}NODE_OPTIONS=--require=/tmp/x.js"

    @Test("name: the mint answer names another token, while the server stored the one requested")
    func otherName() async throws {
        try await withStandIn { (standIn) async throws in
            #expect(try await standIn.addFault(Self.rule(["route": "mint", "name": Self.lineSeparatorName])).status == 201)
            let reply = try await standIn.mint("rekey-1")
            #expect(reply.status == 201)
            #expect(reply.object["name"] as? String == Self.lineSeparatorName)
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["rekey-1"])
        }
    }

    @Test("last_eight: the mint answer's token_last_eight does not match its sha1")
    func mismatchedLastEight() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "mint", "last_eight": "deadbeef"}"#)
            let reply = try await standIn.mint("t")
            let value = try #require(reply.object["sha1"] as? String)
            #expect(reply.object["token_last_eight"] as? String == "deadbeef")
            #expect(!value.hasSuffix("deadbeef"))
            #expect(await standIn.server.tokens(of: "alice").first?.lastEight == String(value.suffix(8)))
        }
    }

    @Test("sha1: the mint answer carries a malformed value; the stored token keeps its real one")
    func malformedValue() async throws {
        try await withStandIn { (standIn) async throws in
            let upper = String(repeating: "AB", count: 20)
            _ = try await standIn.addFault(Self.rule(["route": "mint", "sha1": upper]))
            let reply = try await standIn.mint("t")
            #expect(reply.object["sha1"] as? String == upper)
            #expect(try await standIn.send(.GET, "/api/v1/user", as: .token(upper)).status == 401)
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["t"])
        }
    }

    @Test("pad_bytes: the answer is followed by that many spaces, still valid JSON")
    func padded() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "version", "pad_bytes": 2097152}"#)
            let reply = try await standIn.send(.GET, "/api/v1/version")
            #expect(reply.body.count == 2_097_152 + #"{"version":"\#(GiteaStandIn.defaultVersion)"}"#.utf8.count)
            #expect(reply.headers["Content-Length"].first == String(reply.body.count))
            #expect(reply.object["version"] as? String == GiteaStandIn.defaultVersion)
        }
    }

    @Test("control, bidi and line-separator characters reach the client in login and error message")
    func controlCharacters() async throws {
        let login = "root\u{1B}[2J\r\u{202E}nimda"
        let message = "bad\u{1B}]0;owned\u{07}\nsecond line\u{2029}\u{85}"
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe")
            _ = try await standIn.addFault(Self.rule(["route": "user", "login": login]))
            let me = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(me.object["login"] as? String == login)
            _ = try await standIn.addFault(Self.rule(["route": "list", "status": 500, "message": message]))
            let failed = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"))
            #expect(failed.status == 500)
            #expect(failed.message == message)
        }
    }

    @Test("trickle_ms: the head comes at once, then the body arrives one byte at a time, complete")
    func trickle() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "version", "trickle_ms": 5}"#)
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: standIn.baseURL + "/api/v1/version"), timeout: .seconds(20))
            #expect(response.status.code == 200)
            var chunks = 0
            var body = ByteBuffer()
            for try await var chunk in response.body {
                chunks += 1
                body.writeBuffer(&chunk)
            }
            #expect(String(buffer: body) == #"{"version":"\#(GiteaStandIn.defaultVersion)"}"#)
            // One byte at a time; the client may coalesce a few, but not into one piece.
            #expect(chunks > 1)
        }
    }

    @Test("extra_tokens: a listing of more than 5000 tokens over many pages, with X-Total-Count to match")
    func hugeList() async throws {
        try await withStandIn { (standIn) async throws in
            let real = try await standIn.mint("real")
            _ = try await standIn.addFault(#"{"route": "list", "times": 0, "extra_tokens": 6000}"#)
            let first = try await standIn.send(.GET, "/api/v1/users/alice/tokens?limit=50", as: .basic("alice", "alice-pw"))
            #expect(first.headers["X-Total-Count"].first == "6001")
            #expect(first.array.count == 50)
            #expect(first.array.first?["id"] as? Int == real.object["id"] as? Int)
            let last = try await standIn.send(
                .GET, "/api/v1/users/alice/tokens?limit=50&page=121", as: .basic("alice", "alice-pw"))
            #expect(last.array.count == 1)
            #expect(last.array.first?["name"] as? String == "phantom-5999")
            #expect(last.array.allSatisfy { $0["sha1"] as? String == "" })
            let beyond = try await standIn.send(
                .GET, "/api/v1/users/alice/tokens?limit=50&page=122", as: .basic("alice", "alice-pw"))
            #expect(beyond.array.isEmpty)
            #expect(await standIn.server.tokens(of: "alice").count == 1)
        }
    }

    @Test("a delayed mint still commits after the client hung up (as after a SIGKILL)")
    func delayOutlivesClient() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "mint", "delay_ms": 1500}"#)
            let body = #"{"name": "in-flight", "scopes": ["read:user"]}"#
            await #expect(throws: (any Error).self) {
                try await standIn.send(
                    .POST, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"), json: body,
                    timeout: .milliseconds(200))
            }
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
            var names: [String] = []
            for _ in 0..<200 where names.isEmpty {
                try await Task.sleep(for: .milliseconds(50))
                names = await standIn.server.tokens(of: "alice").map(\.name)
            }
            #expect(names == ["in-flight"])
        }
    }

    @Test(
        "rules whose hostile fields do not fit their route are refused with 422",
        arguments: [
            #"{"route": "list", "name": "x"}"#, #"{"route": "user", "last_eight": "x"}"#, #"{"route": "list", "sha1": "x"}"#,
            #"{"route": "version", "pad_bytes": -1}"#,
            #"{"route": "mint", "message": "no status"}"#, #"{"route": "mint", "extra_tokens": 10}"#,
            #"{"route": "list", "extra_tokens": 100001}"#, #"{"route": "version", "trickle_ms": -1}"#,
        ])
    func misfits(rule: String) async throws {
        try await withStandIn { (standIn) async throws in
            #expect(try await standIn.addFault(rule).status == 422)
        }
    }

    @Test("a rule's description shows hostile text by length only")
    func description() {
        let rule = FaultRule(route: .mint, name: "a\u{1B}[2Jb", message: nil)
        #expect(rule.description == "fault(mint times=1 name(6 chars))")
    }
}

@Suite("Stopping with a delayed request in flight")
struct StopDuringDelayTests {
    @Test("stop() does not wait out a pending 60 s delay (hang check: well under 60 s, even on a loaded machine)")
    func stopDoesNotHang() async throws {
        let server = GiteaStandIn(users: [alice])
        let standIn = StandIn(server: server, baseURL: try await server.start())
        await server.addFault(FaultRule(route: .mint, delayMilliseconds: 60_000))
        let pending = Task { try? await standIn.mint("slow", timeout: .seconds(90)) }
        for _ in 0..<400 where await server.requestLog().isEmpty { try await Task.sleep(for: .milliseconds(25)) }
        let started = ContinuousClock.now
        await server.stop()
        #expect(ContinuousClock.now - started < .seconds(45))
        pending.cancel()
    }
}

extension StopDuringDelayTests {
    @Test("the executable exits on SIGTERM without waiting out a pending 60 s delay")
    func sigtermDoesNotHang() async throws {
        let process = try await StandInProcess(["--user", "alice:alice-pw"])
        let standIn = StandIn(server: GiteaStandIn(users: []), baseURL: process.url)
        #expect(try await standIn.addFault(#"{"route": "mint", "delay_ms": 60000}"#).status == 201)
        let pending = Task { try? await standIn.mint("slow", timeout: .seconds(90)) }
        try await Task.sleep(for: .milliseconds(300))
        _ = try await process.stop()
        pending.cancel()
        // stop() sends SIGTERM and only resorts to SIGKILL after 20 s.
        #expect(process.process.terminationReason == .exit)
    }
}
