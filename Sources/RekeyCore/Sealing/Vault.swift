#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Credentials rekey mints tokens with: the persona's username, password and optional TOTP seed.
/// Printing it shows the username and `<redacted>` for the secrets.
public struct VaultEntry: Sendable {
    public var username: String
    public var password: SecretBytes
    public var totpSeed: SecretBytes?

    public init(username: String, password: SecretBytes, totpSeed: SecretBytes? = nil) {
        self.username = username
        self.password = password
        self.totpSeed = totpSeed
    }
}

/// The vault: one sealed file `vault/<name>.sealed` per entry (kind `.vaultEntry`, context
/// `vault|<name>`), written atomically with mode 0600. Names follow `SafeName.rule`.
public struct Vault: Sendable {
    public let state: StateDirectory
    let sealer: Sealer

    public init(state: StateDirectory, sealer: Sealer) {
        self.state = state
        self.sealer = sealer
    }

    static func context(name: String) -> String { "vault|\(name)" }

    /// Seals `entry` under `name`, replacing an entry of that name.
    public func store(_ entry: VaultEntry, name: String) throws {
        try SafeName.validate(name, what: "vault entry")
        guard !entry.username.isEmpty, entry.username.utf8.count <= 255 else {
            throw VaultError(name: name, reason: .badUsername)
        }
        let blob = sealer.seal(VaultRecord.encode(entry), kind: .vaultEntry, context: Self.context(name: name))
        try state.files().replace(state.vaultPath(name: name), with: blob, newFileMode: 0o600)
    }

    /// Opens the entry `name`.
    public func load(_ name: String) throws -> VaultEntry {
        try SafeName.validate(name, what: "vault entry")
        let path = state.vaultPath(name: name)
        let blob: [UInt8]
        do throws(FileError) {
            blob = try AtomicFile.readBytes(path)
        } catch {
            throw VaultError(name: name, reason: error.errno == ENOENT ? .missing : .unreadable(error))
        }
        let record = try sealer.open(blob, kind: .vaultEntry, context: Self.context(name: name), source: path)
        guard let entry = VaultRecord.decode(record) else { throw VaultError(name: name, reason: .malformed) }
        return entry
    }

    /// Every entry's name and username, sorted by name. Secrets are decrypted to read the
    /// username and wiped at once.
    public func list() throws -> [(name: String, username: String)] {
        let names = try Directories.entries(state.vaultDirectory).compactMap { file -> String? in
            guard file.hasSuffix(".sealed") else { return nil }
            let name = String(file.dropLast(".sealed".count))
            return SafeName.isValid(name) ? name : nil
        }
        return try names.sorted().map { name in (name: name, username: try load(name).username) }
    }

    /// Whether an entry named `name` exists (without opening it).
    public func contains(_ name: String) -> Bool {
        guard SafeName.isValid(name) else { return false }
        var info = stat()
        return lstat(state.vaultPath(name: name), &info) == 0
    }

    /// Deletes the entry `name`.
    public func remove(_ name: String) throws {
        try SafeName.validate(name, what: "vault entry")
        do {
            try state.files().remove(state.vaultPath(name: name))
        } catch let error as FileError where error.errno == ENOENT {
            throw VaultError(name: name, reason: .missing)
        }
    }
}

/// A vault entry that cannot be used. Exit status 77, except a bad username (64).
public struct VaultError: RekeyError, Equatable {
    public enum Reason: Sendable, Equatable {
        case missing
        case unreadable(FileError)
        case malformed
        case badUsername
    }

    public let name: String
    public let reason: Reason

    public var exitStatus: ExitStatus {
        switch reason {
        case .badUsername: .usage
        case .malformed: .config  // a corrupt sealed file, as the README's table says
        default: .noPermission
        }
    }

    public var description: String {
        switch reason {
        case .missing:
            "no vault entry '\(name)'; add it with: rekey vault set \(name) --username USER"
        case .unreadable(let error):
            "cannot read vault entry '\(name)': \(error)"
        case .malformed:
            "vault entry '\(name)' opened but its record is malformed; set it again with: rekey vault set \(name) --username USER"
        case .badUsername:
            "vault entry '\(name)' needs a username of 1 to 255 bytes; pass --username USER"
        }
    }
}
