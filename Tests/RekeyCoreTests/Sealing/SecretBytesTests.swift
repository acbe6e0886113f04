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
