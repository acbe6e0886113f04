import Foundation

/// Holdings read from the playbooks: each playbook's file and key hold the token whose last eight
/// are in the file now, identified by id when a finished run of that consumer minted a token with
/// those last eight (its journal says which id). The file is read as `check` reads it
/// (`ConsumerFile`, `EnvDocument`); only the last eight are kept.
public struct PlaybookHoldings: TokenHoldings {
    public struct Holding: Sendable, Equatable {
        public var holder: TokenHolder
        /// The playbook's persona.
        public var persona: String
        public var lastEight: String
        /// The server's id of the token, from the consumer's journals; nil when rekey did not mint it.
        public var tokenID: Int?
    }

    public private(set) var holdings: [Holding] = []
    /// Playbooks whose file or key could not be read.
    public private(set) var problems: [ScanProblem] = []

    /// - Parameter history: the run history (`History.entries`), for the ids of minted tokens.
    public init(playbooks: [Playbook], history: [HistoryEntry] = []) {
        for playbook in playbooks {
            let file = playbook.target.file
            let key = playbook.target.key
            let lastEight: String
            do {
                let contents = try ConsumerFile(path: file).read()
                let value = try EnvDocument(contents: contents, path: file).value(of: key)
                lastEight = value.withUnsafeBytes { String(decoding: $0.suffix(8), as: UTF8.self) }
            } catch {
                problems.append(ScanProblem(file: file, problem: "consumer \(playbook.consumer): " + ErrorLine.describe(error)))
                continue
            }
            let minted = history.first { entry in
                entry.consumer == playbook.consumer && entry.operation == .rotate && entry.outcome == .done
                    && entry.token?.lastEight == lastEight && entry.token?.deleted == false
            }
            holdings.append(Holding(holder: TokenHolder(consumer: playbook.consumer, file: file, key: key),
                                    persona: playbook.gitea.persona, lastEight: PrintableText.escaped(lastEight),
                                    tokenID: minted?.token?.id))
        }
    }

    public func holders(tokenID: Int, lastEight: String) -> [TokenHolder] {
        holdings.filter { holding in
            holding.tokenID.map { $0 == tokenID } ?? (holding.lastEight == lastEight)
        }.map(\.holder)
    }
}
