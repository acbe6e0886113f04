/// A failed call to Gitea: which call, against which server, and what came back. Carries the
/// server's `message` (Gitea's messages name scopes and users, never credentials), escaped so that
/// no control or bidi character reaches a terminal, and never a request header or body.
public struct GiteaError: RekeyError {
    public enum Failure: Sendable, Equatable {
        /// No HTTP answer. `mayHaveReachedServer` is false when the connection was never made.
        case transport(String, mayHaveReachedServer: Bool)
        /// An HTTP answer with an unexpected status.
        case status(Int, message: String)
        /// A 2xx answer whose body was not what the API documents, or broke a cap.
        case malformed(String)
        /// Refused before anything was sent: a bad TOTP seed (78), the one-time-code lock (75, 73).
        case local(String, exit: ExitStatus)
    }

    public var call: String
    public var server: String
    public var failure: Failure

    public init(call: String, server: String, failure: Failure) {
        self.call = call
        self.server = server
        self.failure = failure
    }

    public var status: Int? {
        if case .status(let code, _) = failure { return code }
        return nil
    }

    /// Gitea's refusal of the account itself rather than of the credential or a scope: 403 "This
    /// account is prohibited from signing in, please contact your site administrator." (a disabled
    /// account, passwords and tokens alike), 403 "You must change your password. Change it at: …",
    /// and 401 "user is not allowed login" (a password of a prohibited account). Decided on the
    /// status first; the message only tells these apart from a missing scope or a wrong password.
    public var isAccountProhibited: Bool {
        guard case .status(let code, let message) = failure else { return false }
        let text = message.lowercased()
        switch code {
        case 403: return text.contains("prohibited from signing in") || text.contains("must change your password")
        case 401: return text.contains("not allowed login")
        default: return false
        }
    }

    /// True when an answer was lost or the server failed (5xx): worth retrying for idempotent calls.
    /// A connection that could not be made is not retried here: async-http-client already keeps
    /// trying to connect until its connect timeout, so another round would only triple the wait.
    public var isTransient: Bool {
        switch failure {
        case .transport(_, let reached): reached
        case .status(let code, _): code >= 500 || code == 429
        case .malformed, .local: false
        }
    }

    public var exitStatus: ExitStatus {
        switch failure {
        case .transport, .malformed: .unavailable
        case .local(_, let exit): exit
        case .status(let code, _):
            switch code {
            case 401, 403: .noPermission
            case 429, 500...: .unavailable
            default: .config
            }
        }
    }

    public var description: String {
        switch failure {
        case .transport(let why, _):
            "gitea at \(server) unreachable for \(call): \(why); check gitea.url and that the server is up"
        case .status(let code, let message) where isAccountProhibited:
            "gitea at \(server) answered \(code) to \(call): the account is disabled or must change its password (\(message)); "
                + "sign in to gitea as that user, or ask a site admin to enable it"
        case .status(let code, let message):
            "gitea at \(server) answered \(code) to \(call): \(message.isEmpty ? "(no message)" : message); \(Self.advice(code))"
        case .malformed(let why):
            "gitea at \(server) gave an unexpected answer to \(call): \(why); is gitea.url a Gitea 1.20+ server?"
        case .local(let why, _):
            why
        }
    }

    private static func advice(_ code: Int) -> String {
        switch code {
        case 401: "check the vault entry's username and password (rekey vault set), its TOTP seed and the host's clock, or the token"
        case 403: "the vault user must be the persona itself or a site admin"
        case 404: "check gitea.persona and gitea.url"
        case 400, 422: "check token.name and token.scopes in the playbook"
        case 300...399: "gitea.url redirects; write the address it redirects to (often https://)"
        case 429: "the server is rate limiting; try again later"
        case 500...: "the server failed; try again later"
        default: "see the server's logs"
        }
    }
}

extension Result {
    /// Captures the outcome of one call (Gitea's, a provider's), so callers can inspect a failure
    /// before rethrowing it.
    public static func capturing(_ body: () async throws(Failure) -> Success) async -> Result<Success, Failure> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}

extension Result where Failure: CustomStringConvertible {
    /// The error's one-line description, or nil on success.
    public var failureDescription: String? {
        if case .failure(let error) = self { return error.description }
        return nil
    }
}
