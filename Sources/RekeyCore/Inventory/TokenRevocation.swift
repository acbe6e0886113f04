import Foundation

/// `rekey revoke TOKEN_ID --persona P --url URL`: revokes one token by id now, refusing (exit 77)
/// while a known consumer holds it, unless `force`. Recorded like every revocation
/// (`revocations/`), with who held the token.
public struct TokenRevocation: Sendable {
    public struct Request: Sendable {
        public var tokenID: Int
        public var persona: String
        public var server: String
        public var vaultEntry: String
        public var force: Bool

        public init(tokenID: Int, persona: String, server: String, vaultEntry: String, force: Bool) {
            self.tokenID = tokenID
            self.persona = persona
            self.server = server
            self.vaultEntry = vaultEntry
            self.force = force
        }
    }

    let revoker: Revoker

    public init(state: StateDirectory, sealer: Sealer, now: @escaping @Sendable () -> Date = WallClock.now) {
        revoker = Revoker(state: state, sealer: sealer, now: now)
    }

    public func run(_ request: Request, gitea: any GiteaAPI) async throws -> SettledRevocation {
        try SafeName.validate(request.persona, what: "persona")
        try SafeName.validate(request.vaultEntry, what: "vault entry")
        let credential = try Vault(state: revoker.state, sealer: revoker.sealer).load(request.vaultEntry)
        let tokens = try await gitea.listTokens(persona: request.persona, auth: credential)
        guard let token = tokens.first(where: { $0.id == request.tokenID }) else {
            throw RevocationNotFound(tokenID: request.tokenID, persona: request.persona)
        }
        let store = RevocationStore(state: revoker.state, sealer: revoker.sealer)
        let now = Int(revoker.now().timeIntervalSince1970)
        var record = try store.load(RevocationRecord.name(tokenID: token.id, server: request.server)) ?? RevocationRecord(
            tokenID: token.id, tokenName: token.name, lastEight: token.lastEight, fingerprint: nil, persona: request.persona,
            server: request.server, vaultEntry: request.vaultEntry, caFile: nil, insecureHTTP: false, consumer: nil, run: nil,
            replacedAt: now, policy: RevocationPolicy(), status: .pending)
        // Holdings whose id is not known yet (imported) count when their last eight matches.
        let holdings = try InventoryStore(state: revoker.state, sealer: revoker.sealer).all()
            .filter { $0.tokenID != nil || $0.lastEight == token.lastEight }
        let holders = revoker.holders(of: record, in: holdings.map { holding in
            var copy = holding
            if copy.tokenID == nil { copy.tokenID = token.id }
            return copy
        })
        if !holders.isEmpty && !request.force {
            throw RevocationRefused(label: record.label, holders: holders)
        }
        let result = await Result.capturing { () async throws(GiteaError) in
            try await gitea.deleteToken(persona: request.persona, id: token.id, auth: credential)
        }
        if case .failure(let error) = result, error.status != 404 { throw error }
        record.decide(.revoked, reason: request.force && !holders.isEmpty ? "forced while held" : "by id", holders: holders, at: now, by: "revoke")
        try store.save(record)
        return SettledRevocation(record: record, problem: nil)
    }
}

/// `rekey revoke ID` while a known consumer holds the token. Exit 77.
public struct RevocationRefused: RekeyError {
    public var label: String
    public var holders: [String]
    public var exitStatus: ExitStatus { .noPermission }
    public var description: String {
        "not revoking \(label): \(holders.joined(separator: ", ")) still hold(s) it, and revoking it would break them; rotate them first, or add --force"
    }
}

/// A token id that is neither the persona's nor pending. Exit 64.
public struct RevocationNotFound: RekeyError {
    public var tokenID: Int
    public var persona: String?

    public init(tokenID: Int, persona: String? = nil) {
        self.tokenID = tokenID
        self.persona = persona
    }

    public var exitStatus: ExitStatus { .usage }
    public var description: String {
        if let persona { return "\(persona) has no token with id \(tokenID); rekey audit or rekey consumers lists them" }
        return "no pending revocation of token \(tokenID); rekey revoke --pending lists them"
    }
}
