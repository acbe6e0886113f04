import Foundation
import RekeyCore

/// A recording, in-memory `GiteaAPI` for unit tests of the engine and steps. The real client and
/// the real stand-in server are tested end to end elsewhere; this fake only lets engine tests
/// script failures precisely ("the mint answer is lost after the server committed").
public final class FakeGitea: GiteaAPI, @unchecked Sendable {
    public enum MintBehaviour: Sendable { case succeed, fail(GiteaError), loseAnswerAfterCommit }

    private let lock = NSLock()
    private var tokens: [(info: TokenInfo, value: String, persona: String)] = []
    private var nextID = 100
    public private(set) var calls: [String] = []
    public var mintBehaviour: MintBehaviour = .succeed
    public var deleteError: GiteaError?
    public var loginOverride: String?
    public var userError: GiteaError?
    public var checkError: GiteaError?
    public let login: String

    public init(login: String) { self.login = login }

    public var tokenNames: [String] { lock.withLock { tokens.map(\.info.name) } }

    private func record(_ call: String) { lock.withLock { calls.append(call) } }

    public func version() async throws(GiteaError) -> String {
        record("version")
        return "1.22.3"
    }

    public func mintToken(persona: String, name: String, scopes: [String], auth: BasicCredential) async throws(GiteaError) -> MintedToken {
        record("mint \(name)")
        if case .fail(let error) = mintBehaviour { throw error }
        let value = (0..<40).map { _ in String("0123456789abcdef".randomElement()!) }.joined()
        let info: TokenInfo = lock.withLock {
            nextID += 1
            let info = TokenInfo(id: nextID, name: name, lastEight: String(value.suffix(8)), scopes: scopes)
            tokens.append((info, value, persona))
            return info
        }
        if case .loseAnswerAfterCommit = mintBehaviour {
            throw GiteaError(call: "POST mint", server: "fake", failure: .transport("connection lost", mayHaveReachedServer: true))
        }
        return MintedToken(info: info, value: SecretBytes(utf8: value))
    }

    public func listTokens(persona: String, auth: BasicCredential) async throws(GiteaError) -> [TokenInfo] {
        record("list")
        return lock.withLock { tokens.filter { $0.persona == persona }.map(\.info) }
    }

    public func deleteToken(persona: String, id: Int, auth: BasicCredential) async throws(GiteaError) {
        record("delete \(id)")
        if let deleteError { throw deleteError }
        let removed: Bool = lock.withLock {
            let before = tokens.count
            tokens.removeAll { $0.info.id == id && $0.persona == persona }
            return tokens.count < before
        }
        if !removed { throw GiteaError(call: "DELETE", server: "fake", failure: .status(404, message: "not found")) }
    }

    public func checkCredential(persona: String, auth: BasicCredential) async throws(GiteaError) {
        record("check \(persona)")
        if let checkError { throw checkError }
    }

    public func login(of token: SecretBytes) async throws(GiteaError) -> String {
        record("user")
        if let userError { throw userError }
        let value = token.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        guard lock.withLock({ tokens.contains { $0.value == value } }) else {
            throw GiteaError(call: "GET /user", server: "fake", failure: .status(401, message: "invalid username, password or token"))
        }
        return loginOverride ?? login
    }
}
