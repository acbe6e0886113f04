import GiteaStandIn
import Testing

@Suite("Scope normalisation and refusal, as Gitea 1.20+ does it")
struct ScopeTests {
    static let allWrites = [
        "write:activitypub", "write:admin", "write:misc", "write:notification", "write:organization",
        "write:package", "write:issue", "write:repository", "write:user",
    ]

    @Test(
        "requested scopes are stored and answered in normal form",
        arguments: [
            (["read:user"], ["read:user"]),
            (["read:user", "read:user"], ["read:user"]),
            (["read:user", "write:user"], ["write:user"]),
            (["read:user", "write:repository", "read:repository", "read:issue"], ["read:issue", "write:repository", "read:user"]),
            (["read:repository", "public-only"], ["public-only", "read:repository"]),
            (["read:misc", "read:activitypub"], ["read:activitypub", "read:misc"]),
            (allWrites, ["all"]),
            (allWrites.reversed() + ["read:user"], ["all"]),
            (["all"], ["all"]),
            (["all", "read:user", "write:issue"], ["all"]),
            (["public-only", "all"], ["public-only", "all"]),
            (["read:user,write:issue"], ["write:issue", "read:user"]),
        ])
    func normalises(requested: [String], stored: [String]) async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.mint("t", scopes: requested)
            #expect(reply.status == 201)
            #expect(reply.object["scopes"] as? [String] == stored)
            let listed = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"))
            #expect(listed.array.first?["scopes"] as? [String] == stored)
            #expect(await standIn.server.tokens(of: "alice").first?.scopes == stored)
        }
    }

    @Test(
        "unknown and pre-1.20 scope names are 400 and mint nothing",
        arguments: ["repo", "read:org", "sudo", "admin:org", "write:repo", "delete_repo", "READ:USER", " read:user"])
    func refuses(scope: String) async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.mint("t", scopes: ["read:user", scope])
            #expect(reply.status == 400)
            #expect(reply.message == "invalid access token scope provided: invalid access token scope: \(scope)")
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
        }
    }
}
