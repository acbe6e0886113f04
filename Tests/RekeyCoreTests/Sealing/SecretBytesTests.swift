import Foundation
import Testing
@testable import RekeyCore

@Suite("SecretBytes")
struct SecretBytesTests {
    let password = "hunter2-correct-horse"

    @Test func everyWayOfPrintingShowsRedacted() {
        let secret = SecretBytes(utf8: password)
        var printed = ""
        print(secret, to: &printed)
        var dumped = ""
        dump(secret, to: &dumped)
        let outputs = [printed, dumped, String(reflecting: secret), String(describing: secret), "\(secret)", "\([secret])"]
        for output in outputs {
            #expect(output.contains("<redacted>"), "\(output)")
            #expect(!output.contains(password), "\(output)")
        }
        #expect(String(describing: secret) == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
    }

    @Test func aStructHoldingSecretsPrintsNoSecret() {
        let entry = VaultEntry(username: "ci-bot", password: SecretBytes(utf8: password), totpSeed: SecretBytes(utf8: "JBSWY3DPEHPK3PXP"))
        var dumped = ""
        dump(entry, to: &dumped)
        for output in [dumped, String(describing: entry), String(reflecting: entry), "\(entry)"] {
            #expect(output.contains("ci-bot"))
            #expect(!output.contains(password), "\(output)")
            #expect(!output.contains("JBSWY3DPEHPK3PXP"), "\(output)")
        }
    }

    @Test func bytesAreReadableInsideWithUnsafeBytes() {
        let secret = SecretBytes(copying: [0, 1, 2, 255])
        #expect(secret.count == 4)
        #expect(secret.withUnsafeBytes { Array($0) } == [0, 1, 2, 255])
        #expect(SecretBytes(utf8: password).withUnsafeBytes { String(decoding: $0, as: UTF8.self) } == password)
    }
}

@Suite("SecretBytes memory")
struct SecretBytesMemoryTests {
    /// The flags the kernel shows for the mapping holding `address` (`VmFlags` in /proc/self/smaps).
    static func vmFlags(of address: UInt) -> [String]? {
        // procfs hands the file out a page at a time: read until the end, not to a size.
        let fd = open("/proc/self/smaps", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        let smaps = String(decoding: bytes, as: UTF8.self)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if let range = fields.first, range.contains("-"), fields.count >= 5, !line.hasPrefix("VmFlags") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside, line.hasPrefix("VmFlags:") {
                return fields.dropFirst().map(String.init)
            }
        }
        return nil
    }

    @Test("secrets live in sodium_malloc memory: their end touches a guard page, excluded from core dumps",
          arguments: [1, 7, 40, 4095, 4096, 5000, 70_000])
    func sodiumMalloc(count: Int) throws {
        let secret = SecretBytes(count: count)
        let start = UInt(bitPattern: secret.withUnsafeBytes { $0.baseAddress })
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        // sodium_malloc puts the bytes at the very end of their pages, right before a guard page.
        #expect((start + UInt(count)) % pageSize == 0, "bytes end at \(start + UInt(count)), not at a page boundary")
        let flags = try #require(Self.vmFlags(of: start), "no mapping holds the secret")
        #expect(flags.contains("dd"), "the secret's pages are not excluded from core dumps: \(flags)")
        // The page after the bytes is the guard page: no access at all.
        let guardFlags = try #require(Self.vmFlags(of: start + UInt(count)))
        #expect(!guardFlags.contains("rd") && !guardFlags.contains("wr"), "no guard page after the secret: \(guardFlags)")
        #expect(secret.withUnsafeBytes { $0.allSatisfy { $0 == 0 } })
    }
}
