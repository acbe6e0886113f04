import Testing
@testable import RekeyCore

/// Shared inputs and helpers for the EnvDocument tests.
enum EnvFixture {
    static let path = "/etc/org/all-credentials.env"
    static let key = "GITEA_TOKEN"
    /// A Gitea token as the mint step returns it: 40 lowercase hex.
    static let newToken = "4f1c9be07d3a5e6f8a2b1c0d9e8f7a6b5c4d3e2f"
    static let comment = "# gitea token rekey-ci-20250101, …5c4d3e2f, rotated 2025-01-01T00:00:00Z by rekey"

    static func document(_ text: String) -> EnvDocument {
        EnvDocument(contents: SecretBytes(utf8: text), path: path)
    }

    static func document(bytes: [UInt8]) -> EnvDocument {
        EnvDocument(contents: SecretBytes(copying: bytes), path: path)
    }

    static func bytes(_ secret: SecretBytes) -> [UInt8] {
        secret.withUnsafeBytes { Array($0) }
    }

    /// The whole new file, as bytes.
    static func replaced(_ text: String, value: String = newToken, comment: String = comment) throws -> [UInt8] {
        try replaced(bytes: Array(text.utf8), value: value, comment: comment)
    }

    static func replaced(bytes input: [UInt8], value: String = newToken, comment: String = comment) throws -> [UInt8] {
        bytes(try document(bytes: input).replacing(key: key, value: SecretBytes(utf8: value), comment: comment))
    }

    /// Makes byte differences readable in a failed expectation.
    static func show(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).debugDescription
    }

    /// The error a call threw, for checking its case and its message.
    static func error(_ body: () throws -> Void) -> EnvFileError? {
        do {
            try body()
            return nil
        } catch let error as EnvFileError {
            return error
        } catch {
            Issue.record("expected an EnvFileError, got \(error)")
            return nil
        }
    }
}

/// One input file and the exact file expected back.
struct EnvEditCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    let expected: String
    var testDescription: String { name }
}
