import Foundation

/// Identifies one run: UTC start time to the second, the microseconds, and four random hex digits,
/// e.g. `20261129T083000Z-042137-3f9a`. Sorting run ids as text sorts runs by start time, also
/// within one second; safe in file names and token names; two runs never collide in practice.
public struct RunID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public static func make(at date: Date) -> RunID {
        let microseconds = Int((date.timeIntervalSince1970 * 1_000_000).rounded(.down)) % 1_000_000
        let suffix = Sodium.randomBytes(2).map { UTCFormat.padded(Int($0), width: 2, radix: 16) }.joined()
        return RunID(UTCFormat.compact(date) + "-" + UTCFormat.padded(microseconds, width: 6) + "-" + suffix)
    }

    public var description: String { value }

    /// A run id is a file-name component: the state directory's one name rule (`SafeName`) keeps
    /// it inside `runs/`.
    public static func isWellFormed(_ text: String) -> Bool { SafeName.isValid(text) }
}
