import Testing
import RekeyCore

/// `GiteaError` as the steps see it through `GiteaProvider`: a `ProviderError` whose kind decides
/// (may the server have acted? was the credential or the account refused? is it gone?) with the
/// same one line and exit code.
@Suite("Gitea errors in the provider's terms")
struct GiteaErrorProviderTests {
    static func status(_ code: Int, _ message: String = "") -> GiteaError {
        GiteaError(call: "POST /api/v1/users/ops/tokens", server: "https://git.example", failure: .status(code, message: message))
    }

    @Test("statuses map to kinds; description, exit code and transience are Gitea's own", arguments: [
        (401, ProviderError.Kind.unauthorized), (403, .forbidden), (404, .notFound), (422, .rejected), (400, .rejected),
        (429, .serverFailed), (500, .serverFailed), (502, .serverFailed),
    ])
    func statuses(code: Int, kind: ProviderError.Kind) {
        let gitea = Self.status(code, "no")
        let mapped = ProviderError(gitea)
        #expect(mapped.kind == kind)
        #expect(mapped.status == code)
        #expect(mapped.description == gitea.description)
        #expect(mapped.exitStatus == gitea.exitStatus)
        #expect(mapped.isTransient == gitea.isTransient)
    }

    @Test("a disabled account is told apart from a refused credential")
    func accountRefused() {
        #expect(ProviderError(Self.status(403, "This account is prohibited from signing in, please contact your site administrator.")).kind == .accountRefused)
        #expect(ProviderError(Self.status(401, "user is not allowed login")).kind == .accountRefused)
        #expect(ProviderError(Self.status(403, "token does not have at least one of required scope(s): [write:user]")).kind == .forbidden)
    }

    @Test("whether the server may have acted: a lost answer, a 5xx or a malformed answer may; a refusal, a connection never made or a local refusal did not")
    func mayHaveActed() {
        let call = "POST /api/v1/users/ops/tokens"
        #expect(ProviderError(GiteaError(call: call, server: "s", failure: .transport("timed out", mayHaveReachedServer: true))).mayHaveActed)
        #expect(!ProviderError(GiteaError(call: call, server: "s", failure: .transport("refused", mayHaveReachedServer: false))).mayHaveActed)
        #expect(ProviderError(Self.status(502)).mayHaveActed)
        #expect(!ProviderError(Self.status(429)).mayHaveActed)
        #expect(!ProviderError(Self.status(401)).mayHaveActed)
        #expect(ProviderError(GiteaError(call: call, server: "s", failure: .malformed("not JSON"))).mayHaveActed)
        #expect(!ProviderError(GiteaError(call: call, server: "s", failure: .local("code lock", exit: .busy))).mayHaveActed)
        #expect(ProviderError(GiteaError(call: call, server: "s", failure: .local("code lock", exit: .busy))).exitStatus == .busy)
    }
}
