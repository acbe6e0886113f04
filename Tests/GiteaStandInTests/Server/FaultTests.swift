import Foundation
import GiteaStandIn
import Testing

@Suite("Fault rules from /_standin/faults")
struct FaultTests {
    @Test("a status rule answers that status with a Gitea body instead of minting, once")
    func statusBeforeCommit() async throws {
        try await withStandIn { (standIn) async throws in
            let added = try await standIn.addFault(#"{"route": "mint", "status": 503}"#)
            #expect(added.status == 201)
            let faulted = try await standIn.mint("t")
            #expect(faulted.status == 503)
            #expect(faulted.object["url"] as? String == standIn.baseURL + "/api/swagger")
            #expect(faulted.message?.isEmpty == false)
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
            #expect(try await standIn.mint("t").status == 201)
        }
    }

    @Test("after_commit: the client hears 500 but the token was minted, so a retry by name is 400")
    func afterCommitMint() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "mint", "status": 500, "after_commit": true}"#)
            let faulted = try await standIn.mint("rekey-run-1")
            #expect(faulted.status == 500)
            #expect(faulted.object["sha1"] == nil)
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["rekey-run-1"])
            let retry = try await standIn.mint("rekey-run-1")
            #expect(retry.status == 400)
            let listed = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"))
            #expect(listed.array.compactMap { $0["name"] as? String } == ["rekey-run-1"])
        }
    }

    @Test("drop closes the connection without an answer; before commit nothing happened")
    func dropBeforeCommit() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "mint", "drop": true}"#)
            await #expect(throws: (any Error).self) { try await standIn.mint("t") }
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
            #expect(try await standIn.mint("t").status == 201)
        }
    }

    @Test("drop after commit: no answer, but the token exists")
    func dropAfterCommit() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "mint", "drop": true, "after_commit": true}"#)
            await #expect(throws: (any Error).self) { try await standIn.mint("lost-answer") }
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["lost-answer"])
        }
    }

    @Test("a delete dropped after commit really deleted the token")
    func deleteAfterCommit() async throws {
        try await withStandIn { (standIn) async throws in
            let minted = try await standIn.mint("old")
            let id = try #require(minted.object["id"] as? Int)
            let value = try #require(minted.object["sha1"] as? String)
            await standIn.server.addFault(FaultRule(route: .delete, afterCommit: true, drop: true))
            await #expect(throws: (any Error).self) {
                try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/\(id)", as: .basic("alice", "alice-pw"))
            }
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
            #expect(try await standIn.send(.GET, "/api/v1/user", as: .token(value)).status == 401)
        }
    }

    @Test("times counts matching requests; other routes are untouched")
    func timesCounting() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "list", "times": 2, "status": 502}"#)
            let list = { try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw")) }
            #expect(try await standIn.mint("t").status == 201)
            #expect(try await list().status == 502)
            #expect(try await standIn.send(.GET, "/api/v1/version").status == 200)
            #expect(try await list().status == 502)
            #expect(try await list().status == 200)
        }
    }

    @Test("times 0 applies to every request until the rules are cleared")
    func everyUntilCleared() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "version", "times": 0, "status": 500}"#)
            for _ in 0..<4 {
                #expect(try await standIn.send(.GET, "/api/v1/version").status == 500)
            }
            let cleared = try await standIn.send(.DELETE, "/_standin/faults")
            #expect(cleared.status == 204)
            #expect(try await standIn.send(.GET, "/api/v1/version").status == 200)
        }
    }

    @Test("rules are used in the order added; 'any' matches every API route")
    func order() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "any", "status": 429}"#)
            _ = try await standIn.addFault(#"{"route": "version", "status": 502}"#)
            _ = try await standIn.addFault(#"{"route": "version", "status": 503}"#)
            #expect(try await standIn.mint("t").status == 429)
            #expect(try await standIn.send(.GET, "/api/v1/version").status == 502)
            #expect(try await standIn.send(.GET, "/api/v1/version").status == 503)
            #expect(try await standIn.send(.GET, "/api/v1/version").status == 200)
        }
    }

    @Test("login makes /user report another login, once")
    func otherLogin() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe")
            _ = try await standIn.addFault(#"{"route": "user", "login": "mallory"}"#)
            let faulted = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(faulted.status == 200)
            #expect(faulted.object["login"] as? String == "mallory")
            let real = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(real.object["login"] as? String == "alice")
        }
    }

    @Test("a delay alone still gives the real answer")
    func delayOnly() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.addFault(#"{"route": "mint", "delay_ms": 20}"#)
            let reply = try await standIn.mint("slow")
            #expect(reply.status == 201)
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["slow"])
        }
    }

    @Test(
        "malformed rules are refused with 422 and change nothing",
        arguments: [
            #"{"route": "mint", "times": -1, "status": 500}"#, #"{"route": "everything", "status": 500}"#,
            #"{"status": 500}"#, #"{"route": "mint", "status": 99}"#, #"not json"#,
            #"{"route": "mint", "delay_ms": -5}"#, #"{"route": "mint", "login": "mallory"}"#,
        ])
    func malformed(rule: String) async throws {
        try await withStandIn { (standIn) async throws in
            #expect(try await standIn.addFault(rule).status == 422)
            #expect(try await standIn.mint("t").status == 201)
        }
    }

    @Test("clearFaults from the library drops pending rules")
    func libraryClear() async throws {
        try await withStandIn { (standIn) async throws in
            await standIn.server.addFault(FaultRule(route: .mint, times: 0, status: 500))
            #expect(try await standIn.mint("t").status == 500)
            await standIn.server.clearFaults()
            #expect(try await standIn.mint("t").status == 201)
        }
    }
}
