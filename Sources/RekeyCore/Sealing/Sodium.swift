import CSodium

/// One-time libsodium initialisation. Every entry point that calls into libsodium goes through
/// `Sodium.ready()` first; `sodium_init` is thread-safe and idempotent, so this is cheap.
public enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    /// Returns once libsodium is usable. A failing `sodium_init` is unrecoverable (no entropy source),
    /// so it stops the process with a message instead of continuing with broken crypto.
    public static func ready() {
        guard initialised else {
            fatalError("libsodium could not be initialised (sodium_init failed); no secure randomness available")
        }
    }

    /// `count` bytes from the system's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        ready()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
        return bytes
    }
}
