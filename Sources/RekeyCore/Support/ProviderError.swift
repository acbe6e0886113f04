/// A secret provider's failure, in the terms the steps, the engine and recover decide on: whether
/// the request may have been acted on, whether the credential or the account was refused, whether
/// the thing is gone. Each provider maps its own errors into it (`GiteaProvider`: `GiteaError`,
/// in `Gitea/GiteaError+Provider.swift`); `description` is the provider's one line, vetted for
/// secrets, and `exitStatus` its documented exit code.
public struct ProviderError: RekeyError, TransientError {
    public enum Kind: Sendable, Equatable {
        /// No answer. `mayHaveActed`: the request may have reached the server (a lost answer, a
        /// timeout); false when the connection was never made.
        case unreachable(mayHaveActed: Bool)
        /// The credential or the token was refused (401).
        case unauthorized
        /// Authenticated, but not allowed (403).
        case forbidden
        /// The account itself may not sign in (disabled, or it must change its password).
        case accountRefused
        /// What was asked for does not exist (404).
        case notFound
        /// Another refusal of the request (4xx, a redirect).
        case rejected
        /// The server failed or is overloaded (5xx, 429): it may have acted (a proxy gave up while
        /// the server committed).
        case serverFailed
        /// An answer that is not what the provider's API documents.
        case malformed
        /// Refused before anything was sent (a bad one-time-code seed, the one-time-code lock).
        case local
    }

    public var kind: Kind
    /// The HTTP status of the answer, when there was one.
    public var status: Int?
    public var exitStatus: ExitStatus
    public var isTransient: Bool
    public var description: String

    public init(kind: Kind, status: Int? = nil, exitStatus: ExitStatus, isTransient: Bool, description: String) {
        self.kind = kind
        self.status = status
        self.exitStatus = exitStatus
        self.isTransient = isTransient
        self.description = description
    }

    /// Whether the provider may have carried the request out although it failed: a lost answer,
    /// a server failure (a proxy may give up while the server commits), an unreadable answer. A
    /// refusal did nothing; a connection never made, or a request refused locally, did nothing.
    public var mayHaveActed: Bool {
        switch kind {
        case .unreachable(let reached): reached
        case .serverFailed: (status ?? 500) >= 500
        case .malformed: true
        case .unauthorized, .forbidden, .accountRefused, .notFound, .rejected, .local: false
        }
    }
}
