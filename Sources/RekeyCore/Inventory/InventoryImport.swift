import Foundation

/// `rekey consumers --import FILE…`: records the gitea tokens that existing env files hold, as held
/// by `FILE:KEY`, for consumers rekey does not rotate yet. Only assignments (`[export] KEY=value`)
/// whose value is a gitea token (40 lowercase hex) count. Their token ids are filled in when a
/// rotation lists the persona's tokens (`revoke-previous`). A place already recorded with the same
/// value is left as it is; one recorded with another value is replaced.
public struct InventoryImport: Sendable {
    public struct Imported: Sendable, Codable, Equatable {
        public var file: String
        public var line: Int
        public var key: String
        public var lastEight: String
        /// `recorded`, or `already known as CONSUMER`.
        public var outcome: String
    }

    public let store: InventoryStore
    let sealer: Sealer
    let now: @Sendable () -> Date

    public init(state: StateDirectory, sealer: Sealer, now: @escaping @Sendable () -> Date = WallClock.now) {
        store = InventoryStore(state: state, sealer: sealer)
        self.sealer = sealer
        self.now = now
    }

    /// A gitea token value: 40 lowercase hex digits.
    public static func looksLikeToken(_ value: SecretBytes) -> Bool {
        value.count == 40 && value.withUnsafeBytes { $0.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) } }
    }

    public func run(files: [String]) throws -> [Imported] {
        let key = try FingerprintKey.loadOrCreate(state: store.state, sealer: sealer)
        var imported: [Imported] = []
        for file in files {
            guard file.hasPrefix("/") else { throw InventoryInputError(message: "\(file) is not an absolute path; give the env file's full path") }
            let bytes: SecretBytes
            switch PlainFile.read(file) {
            case .read(let read): bytes = read
            case .skipped(let why): throw InventoryInputError(message: "cannot import \(file): \(why)")
            }
            let existing = try store.all()
            for occurrence in TokenFinder.occurrences(in: bytes) {
                guard let variable = occurrence.variable else { continue }
                let fingerprint = key.fingerprint(occurrence.value)
                let lastEight = occurrence.value.displayLastEight ?? ""
                if let known = existing.first(where: { $0.isPlace(file: file, key: variable) && $0.fingerprint == fingerprint }) {
                    imported.append(Imported(file: file, line: occurrence.line, key: variable, lastEight: lastEight, outcome: "already known as \(known.consumer)"))
                    continue
                }
                let holding = Holding(consumer: "\(file):\(variable)", file: file, key: variable, tokenID: nil, tokenName: nil, persona: nil,
                                      server: nil, lastEight: lastEight, fingerprint: fingerprint,
                                      since: Int(now().timeIntervalSince1970), source: .imported)
                try store.record(holding, in: InventoryStore.importRecord(file: file))
                imported.append(Imported(file: file, line: occurrence.line, key: variable, lastEight: lastEight, outcome: "recorded"))
            }
        }
        return imported
    }

    /// Records what a successful run left in its consumer's file: the new token, held by the
    /// consumer at the playbook's file and key. Replaces every earlier holding of that place.
    public static func recordRun(playbook: Playbook, token: MintedToken, state: StateDirectory, sealer: Sealer, at: Date) throws {
        let key = try FingerprintKey.loadOrCreate(state: state, sealer: sealer)
        let holding = Holding(consumer: playbook.consumer, file: playbook.target.file, key: playbook.target.key,
                              tokenID: token.info.id, tokenName: token.info.name, persona: playbook.gitea.persona,
                              server: playbook.gitea.url, lastEight: token.info.lastEight, fingerprint: key.fingerprint(token.value),
                              since: Int(at.timeIntervalSince1970), source: .run)
        try InventoryStore(state: state, sealer: sealer).record(holding, in: playbook.consumer, replacingAll: true)
    }

    /// Records what a rollback restored: the old token, its id unknown until the server lists it.
    public static func recordRollback(consumer: String, file: String, key variable: String, token: SecretBytes, begin: JournalRecord,
                                      state: StateDirectory, sealer: Sealer, at: Date) throws {
        guard looksLikeToken(token) else { return }
        let key = try FingerprintKey.loadOrCreate(state: state, sealer: sealer)
        let holding = Holding(consumer: consumer, file: file, key: variable, tokenID: nil, tokenName: nil, persona: begin.persona,
                              server: begin.server, lastEight: token.displayLastEight ?? "", fingerprint: key.fingerprint(token),
                              since: Int(at.timeIntervalSince1970), source: .run)
        try InventoryStore(state: state, sealer: sealer).record(holding, in: consumer, replacingAll: true)
    }
}

/// A file given to `--import` that cannot be used (exit 65, like a bad env file).
public struct InventoryInputError: RekeyError {
    public var message: String
    public var exitStatus: ExitStatus { .badEnvFile }
    public var description: String { message }
}
