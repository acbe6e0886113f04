import Foundation
import Testing
@testable import RekeyCore

/// RFC 6238 (TOTP) and RFC 4648 (base32) as rekey computes them for `X-Gitea-OTP`.
@Suite("TOTP and base32")
struct TOTPTests {
    /// RFC 6238 appendix B, SHA-1: the ASCII key "12345678901234567890", 30 s step, 8 digits.
    static let rfcKey = SecretBytes(utf8: "12345678901234567890")
    /// The same key in base32, as an authenticator app (and the vault) holds it.
    static let rfcSeed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

    static let vectors: [(time: UInt64, code: String)] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ]

    @Test("RFC 6238 SHA-1 test vectors, 8 digits", arguments: vectors)
    func rfc6238EightDigits(vector: (time: UInt64, code: String)) {
        #expect(TOTP.code(key: Self.rfcKey, counter: vector.time / 30, digits: 8) == vector.code)
    }

    @Test("6 digits, as Gitea wants them, are the last six of the 8-digit code (leading zeros kept)", arguments: vectors)
    func sixDigitTruncation(vector: (time: UInt64, code: String)) throws {
        let expected = String(vector.code.suffix(6))
        #expect(TOTP.code(key: Self.rfcKey, counter: vector.time / 30, digits: 6) == expected)
        // What the client sends: from the base32 seed and the wall clock.
        let date = Date(timeIntervalSince1970: TimeInterval(vector.time))
        #expect(try TOTP.code(seed: SecretBytes(utf8: Self.rfcSeed), at: date) == expected)
    }

    @Test("a code changes with the 30-second step and stays for the whole step")
    func stepBoundaries() throws {
        let seed = SecretBytes(utf8: Self.rfcSeed)
        let start = Date(timeIntervalSince1970: 1_111_111_110)  // a multiple of 30
        #expect(try TOTP.code(seed: seed, at: start) == TOTP.code(seed: seed, at: start.addingTimeInterval(29)))
        #expect(try TOTP.code(seed: seed, at: start) != TOTP.code(seed: seed, at: start.addingTimeInterval(30)))
        #expect(try TOTP.code(seed: seed, at: start.addingTimeInterval(-1)) == "081804")
        #expect(try TOTP.code(seed: seed, at: start) == "050471")
    }

    @Test("a seed that is not base32 throws, naming the entry; no stand-in code like 000000 is ever made up")
    func badSeedThrows() {
        #expect(throws: TOTP.InvalidSeed.self) {
            _ = try TOTP.code(seed: SecretBytes(utf8: "not base32!"), step: 1, entry: "ops")
        }
    }

    @Test("base32 decodes the RFC 4648 vectors", arguments: [
        ("MY======", "f"), ("MZXQ====", "fo"), ("MZXW6===", "foo"), ("MZXW6YQ=", "foob"),
        ("MZXW6YTB", "fooba"), ("MZXW6YTBOI======", "foobar"),
    ])
    func base32Vectors(encoded: String, decoded: String) throws {
        let bytes = try TOTP.decodeBase32(SecretBytes(utf8: encoded), entry: "e")
        #expect(bytes.withUnsafeBytes { Array($0) } == Array(decoded.utf8))
    }

    @Test("base32 accepts lowercase, missing padding, spaces and dashes", arguments: [
        "mzxw6ytboi", "MZXW6YTBOI", "mzxw6ytboi======", "MZXW 6YTB OI", "mzxw-6ytb-oi", "MzXw6YtBoI==",
    ])
    func base32Leniency(text: String) throws {
        let bytes = try TOTP.decodeBase32(SecretBytes(utf8: text), entry: "e")
        #expect(bytes.withUnsafeBytes { Array($0) } == Array("foobar".utf8))
    }

    @Test("the RFC seed decodes to the RFC key")
    func rfcSeedDecodes() throws {
        let key = try TOTP.decodeBase32(SecretBytes(utf8: Self.rfcSeed), entry: "e")
        #expect(key.constantTimeEquals(Self.rfcKey))
    }

    @Test("anything that is not base32 is refused with exit 78, naming the entry and not the seed", arguments: [
        "MZXW6YTB1", "MZXW0YTB", "MZXW8YTB", "MZXW6YT!", "MZXW6YTB\u{00E9}", "otpauth://totp/x", "", "======", "   ",
    ])
    func base32Refusals(text: String) {
        #expect {
            _ = try TOTP.decodeBase32(SecretBytes(utf8: text), entry: "ops-bot")
        } throws: { error in
            guard let error = error as? TOTP.InvalidSeed else { return false }
            return error.exitStatus == RekeyCore.ExitStatus.config
                && error.description.contains("'ops-bot'")
                && (text.count < 4 || !error.description.contains(text))
        }
    }
}
