import Foundation

/// `rekey audit`: every token of a persona (all pages), who holds it, and what is wrong with it.
///
/// A token's owning playbooks are those of the known consumers holding it. The findings:
/// - scope `all` or `write:admin`; `write:user`;
/// - scopes wider than an owning playbook of this persona requests (`write:X` covers `read:X`,
///   `all` covers everything);
/// - held by no known consumer: a revocation candidate, with its last use;
/// - not used in `unusedDays` days (a token never used since its creation counts from then);
/// - older than an owning playbook's `every`;
/// - persona drift: held by a consumer whose playbook names another persona; or, for a playbook
///   of this persona, a file holding no token of it.
/// The times come from the server (1.24+); without them the last three time-based findings are
/// not made, and `usageData` says so.
public struct TokenAudit: Sendable {
    public var persona: String
    public var server: String
    public var playbooks: [Playbook]
    public var playbookHoldings: PlaybookHoldings
    /// Other sources of holdings (the sealed inventory), consulted with the playbooks.
    public var otherHoldings: [any TokenHoldings]
    public var unusedDays: Int
    public var now: Date

    public static let defaultUnusedDays = 90

    public init(persona: String, server: String, playbooks: [Playbook], playbookHoldings: PlaybookHoldings,
                otherHoldings: [any TokenHoldings] = [], unusedDays: Int = TokenAudit.defaultUnusedDays, now: Date = WallClock.now()) {
        self.persona = persona
        self.server = server
        self.playbooks = playbooks
        self.playbookHoldings = playbookHoldings
        self.otherHoldings = otherHoldings
        self.unusedDays = unusedDays
        self.now = now
    }

    public func report(_ tokens: [TokenInfo], problems: [ScanProblem] = []) -> AuditReport {
        let holdings = CombinedHoldings([playbookHoldings] + otherHoldings)
        let audited = tokens.map { token in
            let holders = holdings.holders(tokenID: token.id, lastEight: token.lastEight)
            return AuditedToken(id: token.id, name: token.name, lastEight: token.lastEight, scopes: token.scopes,
                                createdAt: token.createdAt.map(UTCFormat.iso), lastUsedAt: token.lastUsedAt.map(UTCFormat.iso),
                                holders: holders, findings: findings(token, holders: holders))
        }
        return AuditReport(persona: persona, server: server,
                           usageData: tokens.contains { $0.createdAt != nil || $0.lastUsedAt != nil },
                           unusedDays: unusedDays, tokens: audited, consumers: consumerDrift(tokens),
                           problems: problems + playbookHoldings.problems)
    }

    func findings(_ token: TokenInfo, holders: [TokenHolder]) -> [AuditFinding] {
        var found: [AuditFinding] = []
        let scopes = Set(token.scopes)
        if scopes.contains("all") {
            found.append(.init(.allOrAdmin, "scope all: every right of \(persona), the widest blast radius"))
        } else if scopes.contains("write:admin") {
            found.append(.init(.allOrAdmin, "scope write:admin: site administration, the widest blast radius"))
        }
        if scopes.contains("write:user") {
            found.append(.init(.writeUser, "scope write:user: used as a Basic password it can mint further tokens of \(persona)"))
        }
        let owners = holders.compactMap { holder in playbooks.first { $0.consumer == holder.consumer } }
        for playbook in owners where playbook.gitea.persona == persona {
            let wider = Self.wider(token.scopes, than: playbook.gitea.scopes)
            if !wider.isEmpty {
                found.append(.init(.widerThanPlaybook,
                                   "scopes wider than consumer \(playbook.consumer)'s playbook requests: \(wider.joined(separator: ", ")) beyond [\(playbook.gitea.scopes.joined(separator: ", "))]"))
            }
        }
        if holders.isEmpty {
            found.append(.init(.unheld, "held by no known consumer: a revocation candidate (\(lastUse(token)))"))
        }
        if let since = token.lastUsedAt ?? token.createdAt, now.timeIntervalSince(since) > Double(unusedDays) * 86_400 {
            found.append(.init(.unused, "not used in \(unusedDays) days (\(lastUse(token)))"))
        }
        if let created = token.createdAt {
            for playbook in owners where playbook.gitea.persona == persona {
                guard let every = playbook.every, now.timeIntervalSince(created) > Double(every) else { continue }
                found.append(.init(.olderThanEvery,
                                   "older than consumer \(playbook.consumer)'s every: \(DurationText.format(seconds: every)) (created \(UTCFormat.iso(created)))"))
            }
        }
        for playbook in owners where playbook.gitea.persona != persona {
            found.append(.init(.personaDrift,
                               "held by consumer \(playbook.consumer), whose playbook names persona \(playbook.gitea.persona), not \(persona)"))
        }
        return found
    }

    /// For each playbook of this persona: its file holds a token that is not one of the persona's.
    func consumerDrift(_ tokens: [TokenInfo]) -> [ConsumerFinding] {
        playbookHoldings.holdings.filter { $0.persona == persona }.compactMap { holding in
            let mine = tokens.contains { token in holding.tokenID.map { $0 == token.id } ?? (token.lastEight == holding.lastEight) }
            guard !mine else { return nil }
            return ConsumerFinding(
                consumer: holding.holder.consumer, file: PrintableText.escaped(holding.holder.file), key: holding.holder.key,
                lastEight: holding.lastEight,
                finding: .init(.personaDrift, "holds …\(holding.lastEight), which is not a token of \(persona): another persona's, or revoked (rekey check tells which)"))
        }
    }

    private func lastUse(_ token: TokenInfo) -> String {
        guard let used = token.lastUsedAt else { return "the server reports no usage data" }
        if let created = token.createdAt, used <= created { return "never used since created \(UTCFormat.iso(created))" }
        return "last used \(UTCFormat.iso(used))"
    }

    /// The scopes in `token` that `requested` does not grant: `all` grants everything, `write:X`
    /// grants `read:X`; `public-only` only narrows, so it is never wider.
    public static func wider(_ token: [String], than requested: [String]) -> [String] {
        let granted = Set(requested)
        if granted.contains("all") { return [] }
        return token.filter { scope in
            if scope == "public-only" || granted.contains(scope) { return false }
            if scope.hasPrefix("read:"), granted.contains("write:" + scope.dropFirst("read:".count)) { return false }
            return true
        }
    }
}
