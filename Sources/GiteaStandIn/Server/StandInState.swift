import Foundation
import Logging

/// Everything the stand-in knows: accounts, tokens (as salted hashes), pending fault rules and
/// the logs. One actor, so each API operation is atomic, as a database row would make it.
actor StandInState {
    private var accounts: [Account]
    /// Ascending by id; ids are global across users, as in Gitea.
    private var tokens: [TokenRecord] = []
    private var nextTokenID = 1
    private var faults: [FaultRule] = []
    private var log: [String] = []
    private var otpChecks: [OTPCheck] = []
    private(set) var baseURL = "http://127.0.0.1"
    let now: @Sendable () -> Date
    private let logger: Logger
    /// Refuse the code accepted last (Gitea since the 2026 replay fix); false models older Gitea.
    private let singleUseOTP: Bool

    init(users: [StandInUser], now: @escaping @Sendable () -> Date, logger: Logger, singleUseOTP: Bool = true) {
        self.now = now
        self.logger = logger
        self.singleUseOTP = singleUseOTP
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

    func account(id: Int) -> Account? { accounts.first { $0.id == id } }

    /// Changes an account's sign-in flags; nil when there is no such account.
    func setState(_ change: AccountState, ofUserNamed name: String) -> Account? {
        guard let index = accounts.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        if let active = change.active { accounts[index].isActive = active }
        if let prohibit = change.prohibitLogin { accounts[index].prohibitLogin = prohibit }
        if let mustChange = change.mustChangePassword { accounts[index].mustChangePassword = mustChange }
        return accounts[index]
    }

    /// Password sign-in, as `UserSignIn` (services/auth/signin.go) and then `validateTOTP` in
    /// services/auth/basic.go: a prohibited account is refused after its password matched, and a
    /// TOTP user's code goes through `ValidateAndConsumeTOTP` (models/auth/twofactor.go).
    func signIn(name: String, password: String, otp: String?) throws(APIError) -> Account {
        guard let index = accounts.firstIndex(where: { $0.name.lowercased() == name.lowercased() }),
            TOTP.constantTimeEquals(accounts[index].user.password, password)
        else { throw .invalidCredentials }
        if accounts[index].prohibitLogin {
            throw .unauthorized("user is not allowed login [uid: \(accounts[index].id), name: \(accounts[index].name)]")
        }
        if let seed = accounts[index].user.totpSeedBase32 {
            try consumeOTP(otp, seed: seed, accountIndex: index)
        }
        accounts[index].lastLogin = now()
        return accounts[index]
    }

    /// Gitea's single-use rule since the 2026 TOTP replay fix (`ValidateAndConsumeTOTP`):
    /// a code of the previous, current or next 30 s step is valid, and a code equal to the last
    /// one accepted for the user is refused. Every check is logged by step, never by code.
    private func consumeOTP(_ otp: String?, seed: String, accountIndex index: Int) throws(APIError) {
        let user = accounts[index].name
        guard let otp, !otp.isEmpty else {
            record(OTPCheck(user: user, step: nil, outcome: .missing))
            throw .invalidOTP
        }
        guard let secret = try? Base32.decode(seed), let step = TOTP.matchingStep(otp, secret: secret, at: now()) else {
            record(OTPCheck(user: user, step: nil, outcome: .invalid))
            throw .invalidOTP
        }
        if singleUseOTP, let last = accounts[index].lastAcceptedOTP, TOTP.constantTimeEquals(last, otp) {
            record(OTPCheck(user: user, step: step, outcome: .replayed))
            throw .invalidOTP
        }
        accounts[index].lastAcceptedOTP = otp
        record(OTPCheck(user: user, step: step, outcome: .accepted))
    }

    private func record(_ check: OTPCheck) {
        otpChecks.append(check)
        logger.info(
            "otp",
            metadata: [
                "user": "\(check.user)", "step": "\(check.step.map(String.init) ?? "-")",
                "outcome": "\(check.outcome.rawValue)",
            ])
    }

    /// Finds a live token by value, as Gitea does: by its last eight, then the salted hash.
    /// Its last use (`updated_unix`, listed as `last_used_at` since 1.24, PR #34323) is written
    /// when 30 s or more have passed since the last write, as gitea-api.md records for current
    /// servers; older ones wrote it on every use (services/auth/basic.go, oauth2.go).
    func signIn(token value: String) throws(APIError) -> (Account, TokenRecord) {
        let lastEight = String(value.suffix(8))
        guard value.count == 40,
            let index = tokens.firstIndex(where: { $0.lastEight == lastEight && $0.matches(value: value) }),
            let owner = accounts.first(where: { $0.id == tokens[index].ownerID })
        else { throw .invalidCredentials }
        let moment = now()
        if moment.timeIntervalSince(tokens[index].lastUsed) >= TokenRecord.lastUsedGranularity {
            tokens[index].lastUsed = moment
        }
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
        let created = now()
        let record = TokenRecord(
            id: nextTokenID, ownerID: owner.id, name: name, salt: salt,
            hash: HMACSHA1.authenticationCode(key: salt, message: Array(value.utf8)),
            lastEight: String(value.suffix(8)), scopes: scopes, created: created, lastUsed: created
        )
        nextTokenID += 1
        tokens.append(record)
        return (record, value)
    }

    /// A user's tokens, newest first.
    func tokens(of owner: Account) -> [TokenRecord] {
        tokens.filter { $0.ownerID == owner.id }.reversed()
    }

    /// Deletes by id, or by name when the segment parses to 0 with Go's `ParseInt(s, 0, 64)`,
    /// as `DeleteAccessToken` does (routers/api/v1/user/app.go).
    func delete(for owner: Account, reference: String) throws(APIError) {
        let id = GoParseInt.base0(reference)
        let index: Int?
        if id != 0 {
            index = tokens.firstIndex { Int64($0.id) == id && $0.ownerID == owner.id }
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
        return tokens(of: owner).map(\.snapshot)
    }

    // MARK: Faults and the logs

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

    // MARK: Work that outlives its client

    private var pendingWork: [Int: @Sendable () -> Void] = [:]
    private var nextTicket = 0

    /// Keeps `cancel` until `untrack`, so that stopping the server can cancel delayed work.
    func track(_ cancel: @escaping @Sendable () -> Void) -> Int {
        nextTicket += 1
        pendingWork[nextTicket] = cancel
        return nextTicket
    }

    func untrack(_ ticket: Int) { pendingWork[ticket] = nil }

    func cancelPendingWork() {
        for cancel in pendingWork.values { cancel() }
        pendingWork.removeAll()
    }

    var requestLog: [String] { log }

    var otpLog: [OTPCheck] { otpChecks }
}
