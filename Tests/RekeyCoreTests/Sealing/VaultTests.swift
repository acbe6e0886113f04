import Testing
import TestSupport
@testable import RekeyCore

@Suite("Vault")
struct VaultTests {
    let dir = TempDirectory("rekey-vault")
    let key = MasterKey.generate()
    let password = "pw-Zq81!correct-horse-battery"
    let seed = "JBSWY3DPEHPK3PXP"

    func vault(key: MasterKey? = nil) throws -> Vault {
        let state = StateDirectory(root: dir.file("state"))
        try state.prepare()
        return Vault(state: state, sealer: Sealer(key: key ?? self.key))
    }

    @Test func storeThenLoadGivesBackTheEntry() throws {
        let vault = try vault()
        try vault.store(VaultEntry(username: "ci-bot", password: SecretBytes(utf8: password), totpSeed: SecretBytes(utf8: seed)), name: "ci-bot")
        try vault.store(VaultEntry(username: "deployer", password: SecretBytes(utf8: "p2")), name: "deploy.prod")

        let loaded = try vault.load("ci-bot")
        #expect(loaded.username == "ci-bot")
        #expect(loaded.password.testBytes == Array(password.utf8))
        #expect(loaded.totpSeed?.testBytes == Array(seed.utf8))
        let other = try vault.load("deploy.prod")
        #expect(other.username == "deployer")
        #expect(other.totpSeed == nil)

        // Storing again replaces.
        try vault.store(VaultEntry(username: "ci-bot", password: SecretBytes(utf8: "new")), name: "ci-bot")
        #expect(try vault.load("ci-bot").password.testBytes == Array("new".utf8))
    }

    @Test func theSealedFileIsPrivateAndHoldsNoSecretBytes() throws {
        let vault = try vault()
        try vault.store(VaultEntry(username: "ci-bot", password: SecretBytes(utf8: password), totpSeed: SecretBytes(utf8: seed)), name: "ci-bot")
        let path = vault.state.vaultPath(name: "ci-bot")
        #expect(Disk.mode(path) == 0o600)
        let bytes = Disk.bytes(path)
        #expect(Array(bytes.prefix(5)) == [0x52, 0x4b, 0x59, 0x01, 0x01])
        #expect(!contains(bytes, Array(password.utf8)))
        #expect(!contains(bytes, Array(seed.utf8)))
        #expect(Disk.names(in: vault.state.vaultDirectory) == ["ci-bot.sealed"])
    }

    @Test func listShowsNamesAndUsernamesOnly() throws {
        let vault = try vault()
        try vault.store(VaultEntry(username: "zed", password: SecretBytes(utf8: password)), name: "b-entry")
        try vault.store(VaultEntry(username: "amy", password: SecretBytes(utf8: password)), name: "a-entry")
        let listed = try vault.list()
        #expect(listed.map(\.name) == ["a-entry", "b-entry"])
        #expect(listed.map(\.username) == ["amy", "zed"])
        #expect(!"\(listed)".contains(password))
    }

    @Test func aMissingEntrySaysHowToAddIt() throws {
        let vault = try vault()
        let error = #expect(throws: VaultError.self) { try vault.load("ci-bot") }
        #expect(error?.description == "no vault entry 'ci-bot'; add it with: rekey vault set ci-bot --username USER")
        #expect(error?.exitStatus == .noPermission)
        #expect(throws: VaultError.self) { try vault.remove("ci-bot") }
    }

    @Test func removeDeletesTheEntry() throws {
        let vault = try vault()
        try vault.store(VaultEntry(username: "u", password: SecretBytes(utf8: "p")), name: "x")
        #expect(vault.contains("x"))
        try vault.remove("x")
        #expect(!vault.contains("x"))
        #expect(throws: VaultError.self) { try vault.load("x") }
        #expect(try vault.list().isEmpty)
    }

    @Test(arguments: ["", "../evil", "a/b", "with space", ".", "..", String(repeating: "a", count: 65), "ü"])
    func namesOutsideTheRuleAreRefused(name: String) throws {
        let vault = try vault()
        let error = #expect(throws: SafeNameError.self) {
            try vault.store(VaultEntry(username: "u", password: SecretBytes(utf8: "p")), name: name)
        }
        #expect(error?.description.hasPrefix("vault entry name '") == true)
        #expect(error?.description.hasSuffix("is not allowed; use 1 to 64 characters from A-Z a-z 0-9 . _ - (not only dots)") == true)
        #expect(Disk.names(in: vault.state.vaultDirectory).isEmpty)
    }

    @Test func anEntryCopiedUnderAnotherNameDoesNotOpen() throws {
        let vault = try vault()
        try vault.store(VaultEntry(username: "u", password: SecretBytes(utf8: password)), name: "alpha")
        Disk.write(vault.state.vaultPath(name: "beta"), Disk.bytes(vault.state.vaultPath(name: "alpha")))
        let error = #expect(throws: SealError.self) { try vault.load("beta") }
        #expect(error?.reason == .contextMismatch(expected: "vault|beta", found: "vault|alpha"))
    }

    @Test func anEntryOpenedWithAnotherMasterKeyNamesTheKeyIDs() throws {
        try vault().store(VaultEntry(username: "u", password: SecretBytes(utf8: password)), name: "alpha")
        let error = #expect(throws: SealError.self) { try vault(key: MasterKey.generate()).load("alpha") }
        #expect(error?.exitStatus == .noPermission)
        #expect(error?.description.contains(Digest.hex(key.keyID)) == true)
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
