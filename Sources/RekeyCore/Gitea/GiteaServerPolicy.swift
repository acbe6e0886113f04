import Foundation

/// https only, unless the host is loopback: over plain http the password, the one-time code and the
/// new token cross the network in clear, and anyone on the path can hand rekey a token of their
/// choosing. Checked before any connection, on every command that takes a server address.
public enum GiteaServerPolicy {
    /// `localhost`, `127.0.0.0/8` and `::1`.
    public static func isLoopback(host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Refuses `url` when it is plain http to a host that is not loopback and `insecureHTTP` is off.
    /// `field` names where the url came from, `optOut` how to allow it anyway.
    public static func check(_ url: String, insecureHTTP: Bool, field: String, optOut: String) throws(InsecureServerURL) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw InsecureServerURL(field: field, url: url, optOut: optOut, reason: "is not an http or https url")
        }
        if scheme == "https" { return }
        guard scheme == "http" else {
            throw InsecureServerURL(field: field, url: url, optOut: optOut, reason: "is not an http or https url")
        }
        if insecureHTTP || isLoopback(host: components.host ?? "") { return }
        throw InsecureServerURL(field: field, url: url, optOut: optOut,
                                reason: "is plain http to a host that is not loopback: the password, the one-time code and the new token would cross the network in clear")
    }
}

/// A server address refused by `GiteaServerPolicy`. Exit 78.
public struct InsecureServerURL: RekeyError {
    public var field: String
    public var url: String
    public var optOut: String
    public var reason: String

    public init(field: String, url: String, optOut: String, reason: String) {
        self.field = field
        self.url = url
        self.optOut = optOut
        self.reason = reason
    }

    public var exitStatus: ExitStatus { .config }
    public var description: String {
        "\(field) \(PrintableText.escaped(PlaybookParser.withoutUserinfo(url))) \(reason); use https:// (a private CA: gitea.ca_file or --ca-file), or allow it with \(optOut)"
    }
}

/// The client for a server address the policy refused: every call fails with that refusal (exit
/// 78) before any connection. `recover` and `rollback` get their server from a journal, one call
/// at a time, and this keeps the refusal on the one run it concerns.
public struct RefusedGitea: GiteaAPI {
    public let refusal: InsecureServerURL

    public init(_ refusal: InsecureServerURL) { self.refusal = refusal }

    private func fail(_ call: String) -> GiteaError {
        GiteaError(call: call, server: refusal.url, failure: .local(refusal.description, exit: refusal.exitStatus))
    }

    public func version() async throws(GiteaError) -> String { throw fail("GET /api/v1/version") }
    public func mintToken(persona: String, name: String, scopes: [String], auth: BasicCredential) async throws(GiteaError) -> MintedToken {
        throw fail("POST /api/v1/users/\(persona)/tokens")
    }
    public func listTokens(persona: String, auth: BasicCredential) async throws(GiteaError) -> [TokenInfo] {
        throw fail("GET /api/v1/users/\(persona)/tokens")
    }
    public func deleteToken(persona: String, id: Int, auth: BasicCredential) async throws(GiteaError) {
        throw fail("DELETE /api/v1/users/\(persona)/tokens/\(id)")
    }
    public func checkCredential(persona: String, auth: BasicCredential) async throws(GiteaError) {
        throw fail("GET /api/v1/users/\(persona)/tokens")
    }
    public func login(of token: SecretBytes) async throws(GiteaError) -> String { throw fail("GET /api/v1/user") }
}
