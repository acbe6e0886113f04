#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TestSupport
@testable import RekeyCore

@Suite("MasterKey")
struct MasterKeyTests {
    let dir = TempDirectory("rekey-key")

    func loadError(_ path: String) -> MasterKeyError? {
        do {
            _ = try MasterKey.load(from: path)
            Issue.record("loaded a key that must be refused")
            return nil
        } catch {
            return error
        }
    }

    @Test func createWritesA32ByteFileWithMode0600ThatLoadsBack() throws {
        let path = dir.file("etc/rekey/master.key")
        let created = try MasterKey.create(at: path)
        #expect(Disk.mode(path) == 0o600)
        #expect(Disk.mode(dir.file("etc/rekey")) == 0o700)
        #expect(Disk.bytes(path).count == 32)
        let loaded = try MasterKey.load(from: path)
        #expect(loaded.keyID == created.keyID)
        #expect(loaded.bytes.constantTimeEquals(created.bytes))
        // Something sealed with the created key opens with the loaded one.
        let blob = Sealer(key: created).seal(SecretBytes(utf8: "x"), kind: .inventory, context: "inventory")
        #expect(try Sealer(key: loaded).open(blob, kind: .inventory, context: "inventory", source: "i").testBytes == [0x78])
    }

    @Test func createNeverOverwritesAnExistingKey() throws {
        let path = dir.file("master.key")
        let original = try MasterKey.create(at: path)
        let before = Disk.bytes(path)
        let error = #expect(throws: MasterKeyError.self) { try MasterKey.create(at: path) }
        #expect(error?.exitStatus == .cantCreate)
        #expect(error?.description == "a master key already exists at \(path); rekey init never overwrites one, since every sealed file needs it")
        #expect(Disk.bytes(path) == before)
        #expect(try MasterKey.load(from: path).keyID == original.keyID)
    }

    @Test func generatedKeysDiffer() {
        #expect(MasterKey.generate().keyID != MasterKey.generate().keyID)
    }

    @Test func aMissingKeySaysToRunInit() {
        let path = dir.file("master.key")
        let error = loadError(path)
        #expect(error?.description == "no master key at \(path); run rekey init")
        #expect(error?.exitStatus == .noPermission)
    }

    @Test(arguments: [
        (mode_t(0o644), "readable"), (0o640, "readable"), (0o604, "readable"),
        (0o620, "writable"), (0o660, "readable and writable"), (0o601, "executable"),
    ])
    func aKeyOpenToGroupOrOthersIsRefusedLikeSsh(mode: mode_t, exposure: String) throws {
        let path = dir.file("master.key")
        _ = try MasterKey.create(at: path)
        #expect(chmod(path, mode) == 0)
        let error = loadError(path)
        let shown = "0" + String(mode, radix: 8)
        #expect(error?.description == "master key \(path) is \(exposure) by group or others (mode \(shown)); run chmod 600 \(path)")
        #expect(error?.exitStatus == .noPermission)
    }

    @Test(arguments: [0, 31, 33, 64])
    func aKeyOfTheWrongLengthIsRefused(length: Int) {
        let path = dir.file("master.key")
        Disk.write(path, [UInt8](repeating: 9, count: length), mode: 0o600)
        let error = loadError(path)
        #expect(error?.description == "master key \(path) holds \(length) bytes, a master key is exactly 32; restore the right key file")
        #expect(error?.exitStatus == .config)
    }

    @Test func aDirectoryIsNotAKey() {
        let path = dir.file("master.key")
        #expect(mkdir(path, 0o700) == 0)
        #expect(loadError(path)?.description == "master key \(path) is not a regular file; point rekey at the 32-byte key file")
    }

    @Test(.enabled(if: Disk.isRoot, "chown to another user needs root"))
    func aKeyOwnedByAnotherUserIsRefused() throws {
        let path = dir.file("master.key")
        _ = try MasterKey.create(at: path)
        #expect(chown(path, 4321, 4321) == 0)
        let error = loadError(path)
        #expect(error?.description == "master key \(path) is owned by uid 4321, not by uid 0 running rekey; run chown 0 \(path) or run rekey as uid 4321")
        #expect(error?.exitStatus == .noPermission)
    }

    @Test func systemdCredentialsSkipTheModeCheckButNotTheLength() throws {
        let credentials = dir.file("credentials")
        #expect(mkdir(credentials, 0o500 | 0o200) == 0)
        let key = MasterKey.generate()
        Disk.write(credentials + "/master.key", key.bytes.testBytes, mode: 0o440)
        let loaded = try MasterKey.load(credentialsDirectory: credentials, name: "master.key")
        #expect(loaded.keyID == key.keyID)

        Disk.write(credentials + "/short.key", [1, 2, 3], mode: 0o400)
        let error = #expect(throws: MasterKeyError.self) {
            try MasterKey.load(credentialsDirectory: credentials, name: "short.key")
        }
        #expect(error?.description == "master key \(credentials)/short.key holds 3 bytes, a master key is exactly 32; restore the right key file")
    }
}
