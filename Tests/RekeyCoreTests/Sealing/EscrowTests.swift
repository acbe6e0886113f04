import Foundation
import Testing
import TestSupport
@testable import RekeyCore

/// Escrowed backups (kind 5, `crypto_box_seal` to the recovery key) and the recovery key files.
@Suite("Escrow and recovery keys")
struct EscrowTests {
    let recovery = RecoveryKeyPair.generate()
    let context = "backup|drone|/etc/drone/app.env|1700000000|20240101T000000Z-abcd"
    let source = "/s/app.env.bak.1700000000.escrow"

    func sealed(_ plaintext: SecretBytes) throws -> [UInt8] {
        try Escrow.seal(plaintext, to: recovery.publicKey, context: context, source: source)
    }

    func openError(_ blob: [UInt8], with key: RecoveryPrivateKey? = nil) -> EscrowError? {
        do {
            let opened = try Escrow.open(blob, with: key ?? recovery, source: source)
            Issue.record("opened an escrow file that should not open (\(opened.bytes.count) bytes)")
            return nil
        } catch {
            return error
        }
    }

    @Test("seal then open gives back the same bytes and the context", arguments: [0, 1, 53, 1000, 70_000])
    func roundTrip(size: Int) throws {
        let plaintext = SecretBytes(copying: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let blob = try sealed(plaintext)
        let header = 15 + context.utf8.count
        #expect(blob.count == header + 48 + header + size)
        let opened = try Escrow.open(blob, with: recovery, source: source)
        #expect(opened.bytes.constantTimeEquals(plaintext))
        #expect(opened.context == context)
    }

    @Test("the header is the documented one: RKY 01, kind 5, recovery key id, context")
    func layout() throws {
        let blob = try sealed(SecretBytes(utf8: "GITEA_TOKEN=x\n"))
        #expect(Array(blob[0..<4]) == [0x52, 0x4b, 0x59, 0x01])
        #expect(blob[4] == 5)
        #expect(Array(blob[5..<13]) == Array(Digest.blake2b256(recovery.publicKey.bytes).prefix(8)))
        #expect(Int(blob[13]) << 8 | Int(blob[14]) == context.utf8.count)
        #expect(Array(blob[15..<(15 + context.utf8.count)]) == Array(context.utf8))
    }

    @Test("each seal is fresh and hides the plaintext")
    func hidesPlaintext() throws {
        let secret = "GITEA_TOKEN=0123456789abcdef0123456789abcdef01234567\n"
        let first = try sealed(SecretBytes(utf8: secret)), second = try sealed(SecretBytes(utf8: secret))
        #expect(first != second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(!text.contains("0123456789abcdef"))
    }

    @Test("another recovery private key: exit 77 naming both key ids")
    func wrongKey() throws {
        let other = RecoveryKeyPair.generate()
        let error = try #require(openError(try sealed(SecretBytes(utf8: "x")), with: other))
        #expect(error.reason == .wrongKey(given: other.publicKey.keyID, sealedTo: recovery.publicKey.keyID))
        #expect(error.exitStatus == RekeyCore.ExitStatus.noPermission)
        #expect(error.description.contains(other.publicKey.keyIDHex) && error.description.contains(recovery.publicKey.keyIDHex))
        #expect(error.description.contains(source))
    }

    @Test("a flipped bit anywhere in the context or the sealed part fails authentication (exit 78)")
    func tamper() throws {
        let blob = try sealed(SecretBytes(utf8: "GITEA_TOKEN=abc\nOTHER=1\n"))
        for index in 15..<blob.count {
            var changed = blob
            changed[index] ^= 0x01
            let error = try #require(openError(changed))
            #expect(error.reason == .authenticationFailed, "byte \(index)")
            #expect(error.exitStatus == RekeyCore.ExitStatus.config)
        }
    }

    @Test("the context is bound: a blob relabelled for another consumer does not open")
    func contextIsBound() throws {
        let blob = try sealed(SecretBytes(utf8: "GITEA_TOKEN=abc\n"))
        let header = 15 + context.utf8.count
        // Same length, another consumer: only the sealed copy of the header can catch this.
        let relabelled = context.replacingOccurrences(of: "drone", with: "crone")
        let forged = Array(blob[0..<15]) + Array(relabelled.utf8) + Array(blob[header...])
        #expect(openError(forged)?.reason == .authenticationFailed)
        // A longer context shifts everything: still refused, never a crash.
        let longer = Array(blob[0..<13]) + [0, UInt8(context.utf8.count + 1)] + Array((context + "x").utf8) + Array(blob[header...])
        #expect(openError(longer) != nil)
    }

    @Test("header damage gets its own message: magic, version, kind, key id")
    func headerChecks() throws {
        let blob = try sealed(SecretBytes(utf8: "x"))
        var notRKY = blob; notRKY[0] = 0x51
        #expect(openError(notRKY)?.reason == .notABlob)
        var version = blob; version[3] = 2
        #expect(openError(version)?.reason == .unknownVersion(2))
        var kind = blob; kind[4] = BlobKind.backup.rawValue
        let kindError = try #require(openError(kind))
        #expect(kindError.reason == .wrongKind(found: 2))
        #expect(kindError.description.contains(".escrow"))
        var keyID = blob; keyID[7] ^= 0xff
        if case .wrongKey = openError(keyID)?.reason {} else { Issue.record("a changed key id should read as another recovery key") }
    }

    @Test("every truncation is refused without a crash or partial result")
    func truncation() throws {
        let blob = try sealed(SecretBytes(utf8: "GITEA_TOKEN=abc\n"))
        for length in 0..<blob.count {
            #expect(openError(Array(blob.prefix(length))) != nil, "length \(length)")
        }
        #expect(openError([])?.reason == .truncated(size: 0))
    }

    @Test("a master-key sealed backup is not an escrow file")
    func sealedBackupIsRefused() {
        let blob = Sealer(key: MasterKey.generate()).seal(SecretBytes(utf8: "x"), kind: .backup, context: context)
        #expect(openError(blob)?.reason == .wrongKind(found: 2))
    }

    @Test("the escrow file sits beside its sealed twin and carries the same context")
    func companion() throws {
        #expect(Escrow.path(forBackup: "/s/backups/c/app.env.bak.17.sealed") == "/s/backups/c/app.env.bak.17.escrow")
        let sealedBackup = Sealer(key: MasterKey.generate()).seal(SecretBytes(utf8: "A=1\n"), kind: .backup, context: context)
        let blob = try Escrow.seal(SecretBytes(utf8: "A=1\n"), to: recovery.publicKey, contextOf: sealedBackup, source: source)
        #expect(try Escrow.open(blob, with: recovery, source: source).context == context)
    }
}

@Suite("Recovery key files")
struct RecoveryKeyFileTests {
    let directory = TempDirectory("rekey-recovery")

    @Test("a new pair: private 0600, public 0644, one line each, and the halves match")
    func create() throws {
        let publicPath = directory.file("r.pub"), privatePath = directory.file("r.key")
        let made = try RecoveryKeyPair.create(publicPath: publicPath, privatePath: privatePath)
        var info = stat()
        #expect(stat(privatePath, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(publicPath, &info) == 0 && info.st_mode & 0o777 == 0o644)
        let publicText = String(decoding: try directory.bytes("r.pub"), as: UTF8.self)
        #expect(publicText.hasPrefix("rekey-recovery-public-v1:") && publicText.hasSuffix("\n") && publicText.count == 25 + 64 + 1)
        let privateText = String(decoding: try directory.bytes("r.key"), as: UTF8.self)
        #expect(privateText.hasPrefix("rekey-recovery-private-v1:") && privateText.count == 26 + 64 + 1)
        #expect(try RecoveryPublicKey.load(from: publicPath) == made)
        #expect(try RecoveryPrivateKey.load(from: privatePath).publicKey == made)
        // And they work together.
        let blob = try Escrow.seal(SecretBytes(utf8: "A=1\n"), to: try RecoveryPublicKey.load(from: publicPath), context: "c", source: "s")
        let opened = try Escrow.open(blob, with: try RecoveryPrivateKey.load(from: privatePath), source: "s")
        #expect(opened.bytes.withUnsafeBytes { Array($0) } == Array("A=1\n".utf8))
    }

    @Test("never overwrites: an existing path is refused before anything is written")
    func neverOverwrites() throws {
        let publicPath = try directory.write("r.pub", "keep me")
        let privatePath = directory.file("r.key")
        #expect(throws: FileError.self) { try RecoveryKeyPair.create(publicPath: publicPath, privatePath: privatePath) }
        #expect(!FileManager.default.fileExists(atPath: privatePath))
        #expect(String(decoding: try directory.bytes("r.pub"), as: UTF8.self) == "keep me")
    }

    @Test("the private half is refused inside the state directory")
    func notInsideState() throws {
        let state = StateDirectory(root: directory.file("state"))
        try state.prepare()
        #expect(throws: RecoveryKeyPair.PrivateKeyInStateDirectory.self) {
            try RecoveryKeyPair.create(publicPath: directory.file("r.pub"), privatePath: state.root + "/vault/r.key", stateDirectory: state)
        }
        #expect(try directory.allFiles().isEmpty)
    }

    @Test("each half is refused where the other is expected, and junk is refused, naming the file")
    func wrongHalves() throws {
        let publicPath = directory.file("r.pub"), privatePath = directory.file("r.key")
        _ = try RecoveryKeyPair.create(publicPath: publicPath, privatePath: privatePath)
        #expect { try RecoveryPublicKey.load(from: privatePath) } throws: { error in
            (error as? RecoveryKeyError)?.reason == .privateGivenAsPublic && "\(error)".contains(privatePath)
        }
        #expect { try RecoveryPrivateKey.load(from: publicPath) } throws: { error in
            (error as? RecoveryKeyError)?.reason == .publicGivenAsPrivate
        }
        for junk in ["", "rekey-recovery-public-v1:abcd\n", "rekey-recovery-public-v1:" + String(repeating: "zz", count: 32) + "\n",
                     String(repeating: "ab", count: 32)] {
            let path = try directory.write("junk.pub", junk)
            #expect { try RecoveryPublicKey.load(from: path) } throws: { error in
                (error as? RecoveryKeyError)?.reason == .malformed(expected: "public")
                    && (error as? RecoveryKeyError)?.exitStatus == RekeyCore.ExitStatus.config
            }
        }
        #expect { try RecoveryPublicKey.load(from: directory.file("absent.pub")) } throws: { error in
            (error as? RecoveryKeyError)?.reason == .missing
        }
    }

    @Test("installed in the state dir as recovery.pub (0600); absent means escrow off; a broken one says how to fix it")
    func install() throws {
        let state = StateDirectory(root: directory.file("state"))
        try state.prepare()
        #expect(try state.recoveryKey() == nil)
        let key = RecoveryKeyPair.generate().publicKey
        #expect(try state.installRecoveryKey(key) == nil)
        var info = stat()
        #expect(stat(state.recoveryKeyPath, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try state.recoveryKey() == key)
        let next = RecoveryKeyPair.generate().publicKey
        #expect(try state.installRecoveryKey(next) == key)
        #expect(try state.recoveryKey() == next)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: state.recoveryKeyPath))
        #expect { try state.recoveryKey() } throws: { error in
            "\(error)".contains("rekey key set-recovery") && (error as? RecoveryKeyError)?.exitStatus == RekeyCore.ExitStatus.config
        }
    }
}
