/// Every step a playbook may list, in the order they run. Adding a step is one file (the `Step`)
/// plus one line here; the playbook parser, `Rotation`, the engine and `--dry-run` read this table.
/// `validate` is not listed: it always runs first and is not optional.
public struct StepRegistry: Sendable {
    public struct Entry: Sendable {
        public var name: String
        /// Steps that must also be listed when this one is (the parser refuses otherwise).
        public var requires: [String]
        /// Left out of a playbook's default steps: a playbook key of its own turns it on (`reload:`).
        public var optIn: Bool
        public var make: @Sendable (StepServices) -> any Step

        public init(_ name: String, requires: [String] = [], optIn: Bool = false, make: @escaping @Sendable (StepServices) -> any Step) {
            self.name = name
            self.requires = requires
            self.optIn = optIn
            self.make = make
        }
    }

    public var entries: [Entry]

    public init(_ entries: [Entry]) { self.entries = entries }

    /// This registry with `entry` added at the end of the run order.
    public func adding(_ entry: Entry) -> StepRegistry { StepRegistry(entries + [entry]) }

    public static let standard = StepRegistry([
        Entry("backup") { _ in BackupStep() },
        Entry("mint", requires: ["rewrite"]) { _ in MintStep() },
        Entry("rewrite", requires: ["backup", "mint"]) { _ in RewriteStep() },
        Entry("probe", requires: ["rewrite"]) { _ in ProbeStep() },
        Entry("reload", requires: ["rewrite"], optIn: true) { _ in ReloadStep() },
        Entry("revoke-previous", requires: ["rewrite"], optIn: true) { _ in RevokePreviousStep() },
    ])

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// The place of `name` in the run order, nil for an unknown step.
    public func rank(of name: String) -> Int? { entries.firstIndex { $0.name == name } }

    /// The steps of a playbook, validate first.
    public func steps(for kinds: [StepKind], services: StepServices) -> [any Step] {
        [ValidateStep(vault: services.vault)] + kinds.compactMap { entry($0.rawValue)?.make(services) }
    }
}

/// What the registry hands a step when it makes one.
public struct StepServices: Sendable {
    public var vault: Vault

    public init(vault: Vault) { self.vault = vault }
}

/// A step a playbook may list: the name of an entry of `StepRegistry.standard`. `allCases` is the
/// registry's order, which is also the order they run in.
public struct StepKind: RawRepresentable, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    public let rawValue: String

    public init?(rawValue: String) { self.init(rawValue, in: .standard) }

    /// A step of another registry (one that adds steps to the standard ones).
    public init?(_ name: String, in registry: StepRegistry) {
        guard registry.entry(name) != nil else { return nil }
        rawValue = name
    }

    private init(known: String) { rawValue = known }

    public static var allCases: [StepKind] { StepRegistry.standard.entries.map { StepKind(known: $0.name) } }
    public var description: String { rawValue }

    // Shorthands for code and tests; the registry alone decides which steps exist.
    public static let backup = StepKind(known: "backup")
    public static let mint = StepKind(known: "mint")
    public static let rewrite = StepKind(known: "rewrite")
    public static let probe = StepKind(known: "probe")
    public static let reload = StepKind(known: "reload")
}
