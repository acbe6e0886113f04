import Foundation
import Testing
@testable import RekeyCore
import TestSupport

/// Reading a sealed blob's public header without the key, and taking a backup's context apart.
@Suite("Blob header")
struct BlobHeaderTests {
    static let vector = TestKeys.fromHex(
        "524b590102cb2f5160fc1f7e0500246261636b75707c64656d6f7c2f6574632f64656d6f2e656e767c31373030303030303030"
            + "404142434445464748494a4b4c4d4e4f50515253545556579370513591bf2d59c4b1c9839fad57a1a68f9bf32b6032f80955"
            + "9823393511a322cc34596dabe5729cd6912a3aebe8c2af5e4bdf6582327a0a71a8d50047590a3c07a725c2")

    @Test("the documented test vector's header reads back field by field, without the key")
    func vectorHeader() throws {
        let header = try BlobHeader.parse(Self.vector, source: "vector")
        #expect(header.kind == .backup)
        #expect(Digest.hex(header.keyID) == "cb2f5160fc1f7e05")
        #expect(header.context == "backup|demo|/etc/demo.env|1700000000")
        #expect(header.count == 15 + 36)
        // A legacy four-field backup context: no run.
        #expect(header.backup == BackupContext.Parts(consumer: "demo", file: "/etc/demo.env", epoch: 1_700_000_000, run: nil))
    }

    @Test("a backup sealed by rekey names its consumer, file, epoch and run in its header")
    func freshBackup() throws {
        let sealer = Sealer(key: MasterKey.generate())
        let context = BackupContext.make(consumer: "ops-host", file: "/etc/org/all|credentials.env", epoch: 1_764_000_000, run: "20261129T083000Z-3f9a1c")
        let blob = sealer.seal(SecretBytes(utf8: "GITEA_TOKEN=secret\n"), kind: .backup, context: context)
        let header = try BlobHeader.parse(blob, source: "x")
        #expect(header.keyID == sealer.keyID)
        #expect(header.backup == BackupContext.Parts(consumer: "ops-host", file: "/etc/org/all|credentials.env", epoch: 1_764_000_000,
                                                     run: "20261129T083000Z-3f9a1c"))
        // Another kind of blob is not a backup, whatever its context says.
        let vault = sealer.seal(SecretBytes(utf8: "x"), kind: .vaultEntry, context: context)
        #expect(try BlobHeader.parse(vault, source: "x").backup == nil)
    }

    static let damagedCases: [([UInt8], SealError.Reason)] = [
        ([], .truncated(size: 0)),
        (Array("RK".utf8), .truncated(size: 2)),
        (Array("PK\u{3}\u{4}rest-of-a-zip-file".utf8), .notABlob),
        (Array("RKY".utf8) + [2] + [UInt8](repeating: 0, count: 60), .unknownVersion(2)),
        (Array(vector.prefix(14)), .truncated(size: 14)),
        (Array(vector.prefix(15 + 36 + 24)), .truncated(size: 75)),
    ]

    @Test("damaged headers fail with the sealer's own reasons, naming the file", arguments: damagedCases)
    func damaged(bytes: [UInt8], reason: SealError.Reason) {
        #expect(throws: SealError(source: "/s/b.sealed", reason: reason)) { try BlobHeader.parse(bytes, source: "/s/b.sealed") }
    }

    @Test("contexts that are not backup contexts do not parse", arguments: [
        "vault|ops", "backup|ops|/etc/a.env", "backup|ops|relative.env|17", "backup|o/p|/etc/a.env|17",
        "backup|ops|/etc/a.env|17x", "journal|run|0", "backup||/etc/a.env|17",
    ])
    func notBackupContexts(context: String) {
        #expect(BackupContext.parse(context) == nil)
    }

    @Test("a path ending in digits is not mistaken for an epoch and run")
    func ambiguousLegacyPath() {
        #expect(BackupContext.parse("backup|ops|/etc/a|5|1700000000") == .init(consumer: "ops", file: "/etc/a|5", epoch: 1_700_000_000, run: nil))
        #expect(BackupContext.parse("backup|ops|/etc/a|5|1700000000|20261129T083000Z-3f9a1c")
            == .init(consumer: "ops", file: "/etc/a|5", epoch: 1_700_000_000, run: "20261129T083000Z-3f9a1c"))
    }
}
