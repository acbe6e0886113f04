extension ProviderError {
    /// A Gitea failure in the provider's terms: same one-line description, same exit code.
    public init(_ error: GiteaError) {
        let kind: Kind
        switch error.failure {
        case .transport(_, let reached): kind = .unreachable(mayHaveActed: reached)
        case .malformed: kind = .malformed
        case .local: kind = .local
        case .status(let code, _):
            switch code {
            case _ where error.isAccountProhibited: kind = .accountRefused
            case 401: kind = .unauthorized
            case 403: kind = .forbidden
            case 404: kind = .notFound
            case 429, 500...: kind = .serverFailed
            default: kind = .rejected
            }
        }
        self.init(kind: kind, status: error.status, exitStatus: error.exitStatus, isTransient: error.isTransient,
                  description: error.description)
    }
}

extension GiteaProvider {
    /// Runs one Gitea call, its failure mapped into `ProviderError`.
    func mapped<T>(_ body: () async throws(GiteaError) -> T) async throws(ProviderError) -> T {
        do { return try await body() } catch { throw ProviderError(error) }
    }
}
