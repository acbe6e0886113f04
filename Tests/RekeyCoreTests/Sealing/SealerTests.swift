import Testing
@testable import RekeyCore

@Suite("Sealer")
struct SealerTests {
    let sealer = Sealer(key: MasterKey.generate())
    let context = "backup|drone|/etc/drone/app.env|1700000000"

    func openError(_ blob: [UInt8], kind: BlobKind = .backup, context: String? = nil, with other: Sealer? = nil) -> SealError? {
        do {
            let opened = try (other ?? sealer).open(blob, kind: kind, context: context ?? self.context, source: "/s/app.env.bak.1.sealed")
            Issue.record("opened a blob that should not open (\(opened.count) bytes)")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [0, 1, 31, 1000, 70_000])
    func sealThenOpenGivesBackTheSameBytes(size: Int) throws {
        let plaintext = SecretBytes(copying: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        for kind in BlobKind.allCases {
            let blob = sealer.seal(plaintext, kind: kind, context: context)
            #expect(blob.count == 15 + context.utf8.count + 24 + size + 16)
            let opened = try sealer.open(blob, kind: kind, context: context, source: "x")
            #expect(opened.constantTimeEquals(plaintext))
        }
    }

    @Test func theBlobHidesThePlaintextAndEachSealUsesAFreshNonce() {
        let secret = Array("GITEA_TOKEN=0123456789abcdef0123456789abcdef01234567".utf8)
        let first = sealer.seal(SecretBytes(copying: secret), kind: .backup, context: context)
        let second = sealer.seal(SecretBytes(copying: secret), kind: .backup, context: context)
        #expect(first != second)
        #expect(!contains(first, Array("0123456789abcdef".utf8)))
    }

    @Test func testVectorMatchesTheIndependentImplementation() throws {
        // docs/blob-format.md; computed independently in Python (hashlib BLAKE2b, a hand-written
        // HChaCha20 and the `cryptography` package's IETF ChaCha20-Poly1305).
        let vector = Sealer(key: TestKeys.vectorKey)
        #expect(Digest.hex(vector.keyID) == "cb2f5160fc1f7e05")
        let plaintext = SecretBytes(utf8: "GITEA_TOKEN=0123456789abcdef0123456789abcdef01234567\n")
        let context = "backup|demo|/etc/demo.env|1700000000"
        let blob = vector.seal(plaintext, kind: .backup, context: context, nonce: TestKeys.vectorNonce)
        let expected = "524b590102cb2f5160fc1f7e0500246261636b75707c64656d6f7c2f6574632f64656d6f2e656e767c"
            + "31373030303030303030404142434445464748494a4b4c4d4e4f50515253545556579370513591bf2d59"
            + "c4b1c9839fad57a1a68f9bf32b6032f809559823393511a322cc34596dabe5729cd6912a3aebe8c2af5e"
            + "4bdf6582327a0a71a8d50047590a3c07a725c2"
        #expect(Digest.hex(blob) == expected)
        let opened = try vector.open(TestKeys.fromHex(expected), kind: .backup, context: context, source: "vector")
        #expect(opened.constantTimeEquals(plaintext))
    }

    @Test func anotherMasterKeyIsNamedWithBothKeyIDs() {
        let blob = sealer.seal(SecretBytes(utf8: "x"), kind: .backup, context: context)
        let other = Sealer(key: MasterKey.generate())
        let error = openError(blob, with: other)
        #expect(error?.reason == .wrongKey(loaded: other.keyID, sealedWith: sealer.keyID))
        #expect(error?.exitStatus == .noPermission)
        #expect(error?.description == "sealed file /s/app.env.bak.1.sealed was sealed under another master key (key id \(Digest.hex(sealer.keyID)), the loaded key is \(Digest.hex(other.keyID))); use the master key it was sealed with")
    }

    @Test func aBlobMovedToAnotherConsumerOrPathSaysWhereItBelongs() {
        let blob = sealer.seal(SecretBytes(utf8: "x"), kind: .backup, context: context)
        let expected = "backup|woodpecker|/etc/drone/app.env|1700000000"
        let error = openError(blob, context: expected)
        #expect(error?.reason == .contextMismatch(expected: expected, found: context))
        #expect(error?.exitStatus == .config)
        #expect(error?.description == "sealed file /s/app.env.bak.1.sealed belongs to '\(context)', not '\(expected)'; it was moved or copied from elsewhere, put it back or use the right one")
    }

    @Test func aVaultEntryOpenedAsABackupSaysSo() {
        let blob = sealer.seal(SecretBytes(utf8: "x"), kind: .vaultEntry, context: context)
        let error = openError(blob, kind: .backup)
        #expect(error?.reason == .wrongKind(expected: .backup, found: 1))
        #expect(error?.description == "sealed file /s/app.env.bak.1.sealed holds a vault entry, not a backup; check the path")
    }

    @Test func eachTamperedRegionFailsWithItsOwnReason() {
        let blob = sealer.seal(SecretBytes(utf8: "GITEA_TOKEN=abc\n"), kind: .backup, context: context)
        let headerEnd = 15 + context.utf8.count
        func flipped(_ index: Int, _ mask: UInt8 = 0x01) -> [UInt8] {
            var copy = blob
            copy[index] ^= mask
            return copy
        }
        #expect(openError(flipped(0))?.reason == .notABlob)
        #expect(openError(flipped(3, 0x03))?.reason == .unknownVersion(2))
        #expect(openError(flipped(4, 0x07))?.reason == .wrongKind(expected: .backup, found: 5))
        #expect(openError(flipped(5))?.reason == .wrongKey(loaded: sealer.keyID, sealedWith: Array(flipped(5)[5..<13])))
        if case .contextMismatch = openError(flipped(15))?.reason {} else { Issue.record("a flipped context byte must be a context mismatch") }
        // A context length pointing past the end is a truncation.
        #expect(openError(flipped(13, 0xff))?.reason == .truncated(size: blob.count))
        for index in [headerEnd, headerEnd + 23, headerEnd + 24, blob.count - 17, blob.count - 16, blob.count - 1] {
            #expect(openError(flipped(index))?.reason == .authenticationFailed, "flipped byte \(index)")
        }
        #expect(openError(flipped(headerEnd))?.description == "sealed file /s/app.env.bak.1.sealed failed authentication: it was modified or corrupted; restore it from a copy")
    }

    @Test func truncationAtAnyLengthFailsWithoutAPartialResult() {
        let blob = sealer.seal(SecretBytes(utf8: "GITEA_TOKEN=abc\n"), kind: .backup, context: context)
        let minimum = 15 + context.utf8.count + 24 + 16
        for length in [0, 1, 3, 4, 5, 12, 14, 15, 16, minimum - 1] {
            #expect(openError(Array(blob.prefix(length)))?.reason == .truncated(size: length), "length \(length)")
        }
        for length in [minimum, blob.count - 1] {
            #expect(openError(Array(blob.prefix(length)))?.reason == .authenticationFailed, "length \(length)")
        }
        #expect(openError([])?.description == "sealed file /s/app.env.bak.1.sealed is truncated (0 bytes); restore it from a copy")
    }

    @Test func plainTextIsNotARekeyBlob() {
        let error = openError(Array("GITEA_TOKEN=abc\n".utf8))
        #expect(error?.reason == .notABlob)
        #expect(error?.description == "/s/app.env.bak.1.sealed is not a rekey sealed file (bad magic); check the path")
        #expect(openError(Array("RKY\u{02}rest of a future format".utf8))?.description
                == "sealed file /s/app.env.bak.1.sealed uses format version 2, this rekey reads version 1; use a newer rekey")
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
