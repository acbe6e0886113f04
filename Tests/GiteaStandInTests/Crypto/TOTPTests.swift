import Foundation
import GiteaStandIn
import Testing

@Suite("TOTP (RFC 6238, SHA-1) and base32 seeds")
struct TOTPTests {
    static let secret = Array("12345678901234567890".utf8)

    @Test(
        "RFC 6238 appendix B SHA-1 vectors, 8 digits and truncated to Gitea's 6",
        arguments: [
            (59.0, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] as [(TimeInterval, String)])
    func rfcVectors(time: TimeInterval, eightDigits: String) throws {
        let date = Date(timeIntervalSince1970: time)
        let counter = TOTP.counter(at: date)
        #expect(TOTP.code(secret: Self.secret, counter: counter, digits: 8) == eightDigits)
        #expect(TOTP.code(secret: Self.secret, counter: counter) == String(eightDigits.suffix(6)))
        #expect(try TOTP.code(seedBase32: rfcSeed, at: date) == String(eightDigits.suffix(6)))
    }

    @Test("T=59 gives 287082, the example the contract quotes")
    func quotedExample() throws {
        #expect(try TOTP.code(seedBase32: rfcSeed, at: Date(timeIntervalSince1970: 59)) == "287082")
    }

    @Test("base32 decodes the RFC seed, ignoring case, spaces and padding")
    func base32() throws {
        #expect(try Base32.decode(rfcSeed) == Self.secret)
        #expect(try Base32.decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq") == Self.secret)
        #expect(try Base32.decode("MZXW6===") == Array("foo".utf8))
    }

    @Test("base32 refuses characters outside A-Z and 2-7", arguments: ["GEZD1", "GEZD8", "GEZD0", "", "===="])
    func base32Refuses(text: String) {
        #expect(throws: Base32.DecodingError.self) { try Base32.decode(text) }
    }
}
