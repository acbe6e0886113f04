import Foundation

/// Everything the stand-in knows: accounts, tokens (as salted hashes), pending fault rules and
/// the request log. One actor, so each API operation is atomic, as a database row would make it.
actor StandInState {
    private var accounts: [Account]
    /// Ascending by id; ids are global across users, as in Gitea.
    private var tokens: [TokenRecord] = []
    private var nextTokenID = 1
    private var faults: [FaultRule] = []
    private var log: [String] = []
    private(set) var baseURL = "http://127.0.0.1"
    let now: @Sendable () -> Date

    init(users: [StandInUser], now: @escaping @Sendable () -> Date) {
        self.now = now
        let created = now()
        var accounts: [Account] = []
        for user in users where !accounts.contains(where: { $0.name.lowercased() == user.name.lowercased() }) {
            accounts.append(Account(id: accounts.count + 1, user: user, created: created))
        }
        self.accounts = accounts
    }

    func setBaseURL(_ url: String) { baseURL = url }

    // MARK: Accounts and sign-in

    /// Gitea matches user names case-insensitively.
    func account(named name: String) -> Account? {
        accounts.first { $0.name.lowercased() == name.lowercased() }
    }

    func signIn(name: String, password: String, otp: String?) throws(APIError) -> Account {
        guard let index = accounts.firstIndex(where: { $0.name.lowercased() == name.lowercased() }),
            TOTP.constantTimeEquals(accounts[index].user.password, password)
        else { throw .invalidCredentials }
        if let seed = accounts[index].user.totpSeedBase32 {
            guard let otp, let secret = try? Base32.decode(seed), TOTP.accepts(otp, secret: secret, at: now())
            else { throw .invalidOTP }
        }
        accounts[index].lastLogin = now()
        return accounts[index]
    }

    /// Finds a live token by value, as Gitea does: by its last eight, then the salted hash.
    func signIn(token value: String) throws(APIError) -> (Account, TokenRecord) {
        let lastEight = String(value.suffix(8))
        guard value.count == 40,
            let index = tokens.firstIndex(where: { $0.lastEight == lastEight && $0.matches(value: value) }),
            let owner = accounts.first(where: { $0.id == tokens[index].ownerID })
        else { throw .invalidCredentials }
        tokens[index].lastUsed = now()
        return (owner, tokens[index])
    }

    // MARK: Tokens

    /// Mints a token; the value is returned once and only its salted hash is kept.
    func mint(for owner: Account, name: String, scopes requested: [String]) throws(APIError) -> (TokenRecord, String) {
        if tokens.contains(where: { $0.ownerID == owner.id && $0.name == name }) {
            throw .badRequest("access token name has been used already")
        }
        let scopes: TokenScopes
        do {
            scopes = try TokenScopes(requested: requested)
        } catch {
            throw .badRequest("invalid access token scope provided: invalid access token scope: \(error.name)")
        }
        if scopes.isEmpty { throw .badRequest("access token must have a scope") }

        var generator = SystemRandomNumberGenerator()
        let value = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.lowercaseHex
        let salt = (0..<10).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let record = TokenRecord(
            id: nextTokenID, ownerID: owner.id, name: name, salt: salt,
            hash: HMACSHA1.authenticationCode(key: salt, message: Array(value.utf8)),
            lastEight: String(value.suffix(8)), scopes: scopes, created: now(), lastUsed: nil
        )
        nextTokenID += 1
        tokens.append(record)
        return (record, value)
    }

    /// One page of a user's tokens, newest first, and the total count.
    func tokens(of owner: Account, page: Int, limit: Int) -> (page: [TokenRecord], total: Int) {
        let all = tokens.filter { $0.ownerID == owner.id }.reversed()
        let (start, overflow) = (page - 1).multipliedReportingOverflow(by: limit)
        guard !overflow, start < all.count else { return ([], all.count) }
        return (Array(all.dropFirst(start).prefix(limit)), all.count)
    }

    /// Deletes by numeric id, or by name when the segment is not a number (as Gitea does).
    func delete(for owner: Account, reference: String) throws(APIError) {
        let index: Int?
        if let id = Int(reference), id != 0 {
            index = tokens.firstIndex { $0.id == id && $0.ownerID == owner.id }
        } else {
            index = tokens.firstIndex { $0.name == reference && $0.ownerID == owner.id }
        }
        guard let index else { throw .notFound() }
        tokens.remove(at: index)
    }

    func revoke(tokenID: Int) {
        tokens.removeAll { $0.id == tokenID }
    }

    func snapshots(ofUserNamed name: String) -> [StandInToken] {
        guard let owner = account(named: name) else { return [] }
        return tokens.filter { $0.ownerID == owner.id }.reversed().map(\.snapshot)
    }

    // MARK: Faults and the request log

    func add(_ rule: FaultRule) { faults.append(rule) }

    func clearFaults() { faults.removeAll() }

    /// The first rule, in the order added, that applies to `route`; counted down and removed when spent.
    func takeFault(for route: FaultRule.Route) -> FaultRule? {
        guard let index = faults.firstIndex(where: { $0.applies(to: route) }) else { return nil }
        let rule = faults[index]
        if rule.times > 0 {
            faults[index].times -= 1
            if faults[index].times == 0 { faults.remove(at: index) }
        }
        return rule
    }

    func record(method: String, path: String) { log.append("\(method) \(path)") }

    var requestLog: [String] { log }
}
