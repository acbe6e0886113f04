/// A failed call to Gitea: which call, against which server, and what came back. Carries the
/// server's `message` (Gitea's messages name scopes and users, never credentials) and never a
/// request header or body.
public struct GiteaError: RekeyError {
    public enum Failure: Sendable, Equatable {
        /// No HTTP answer. `mayHaveReachedServer` is false when the connection was never made.
        case transport(String, mayHaveReachedServer: Bool)
        /// An HTTP answer with an unexpected status.
        case status(Int, message: String)
        /// A 2xx answer whose body was not what the API documents.
        case malformed(String)
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

    /// True when an answer was lost or the server failed (5xx): worth retrying for idempotent calls.
    /// A connection that could not be made is not retried here: async-http-client already keeps
    /// trying to connect until its connect timeout, so another round would only triple the wait.
    public var isTransient: Bool {
        switch failure {
        case .transport(_, let reached): reached
        case .status(let code, _): code >= 500 || code == 429
        case .malformed: false
        }
    }

    public var exitStatus: ExitStatus {
        switch failure {
        case .transport, .malformed: .unavailable
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
        case .status(let code, let message):
            "gitea at \(server) answered \(code) to \(call): \(message.isEmpty ? "(no message)" : message); \(Self.advice(code))"
        case .malformed(let why):
            "gitea at \(server) gave an unexpected answer to \(call): \(why); is gitea.url a Gitea 1.20+ server?"
        }
    }

    private static func advice(_ code: Int) -> String {
        switch code {
        case 401: "check the vault entry's username and password (rekey vault set) or the token"
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

extension Result where Failure == GiteaError {
    /// Captures the outcome of one Gitea call, so callers can inspect a failure before rethrowing it.
    public static func capturing(_ body: () async throws(GiteaError) -> Success) async -> Result<Success, GiteaError> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}

extension Result where Failure == GiteaError {
    /// The error's one-line description, or nil on success.
    public var failureDescription: String? {
        if case .failure(let error) = self { return error.description }
        return nil
    }
}
