import Foundation

/// A throwaway self-signed certificate for 127.0.0.1 and localhost, made by `openssl`, valid two
/// days: for serving the stand-in over https (`--tls-cert`/`--tls-key`, or
/// `EndToEndHost(tls: true)`) and trusting it as a private CA (`--ca-file`).
public struct SelfSignedCertificate: Sendable {
    public let directory = TempDirectory("standin-tls")
    public var certificatePath: String { directory.file("cert.pem") }
    public var keyPath: String { directory.file("key.pem") }

    public struct Failed: Error, CustomStringConvertible {
        public let stderr: String
        public var description: String { "openssl could not make a test certificate: \(stderr)" }
    }

    public init() throws {
        let result = try ProcessRunner.runBlocking(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", directory.file("key.pem"), "-out", directory.file("cert.pem"),
            ],
            environment: [:])
        guard result.status == 0 else { throw Failed(stderr: result.stderr) }
        chmod(directory.file("cert.pem"), 0o644)
    }
}
