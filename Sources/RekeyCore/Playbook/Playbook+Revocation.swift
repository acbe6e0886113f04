import Foundation
import Yams

/// The playbook keys of the opt-in `revoke-previous` step: `revoke_grace` (default `10m`, `0s`
/// allowed), `revoke_quiet` (default `14d`) and `revoke_without_usage_data` (default false).
/// See `RevocationGate` for what each one holds back.
public struct RevocationPolicy: Sendable, Equatable, Codable {
    public static let defaultGraceSeconds = 600
    public static let defaultQuietSeconds = 14 * 86_400
    static let keys = ["revoke_grace", "revoke_quiet", "revoke_without_usage_data"]

    public var graceSeconds: Int
    public var quietSeconds: Int
    public var withoutUsageData: Bool

    public init(graceSeconds: Int = RevocationPolicy.defaultGraceSeconds, quietSeconds: Int = RevocationPolicy.defaultQuietSeconds,
                withoutUsageData: Bool = false) {
        self.graceSeconds = graceSeconds
        self.quietSeconds = quietSeconds
        self.withoutUsageData = withoutUsageData
    }
}

extension StepKind {
    public static let revokePrevious = StepKind(rawValue: "revoke-previous")!
}

extension PlaybookParser {
    /// Reads the revocation keys of the top-level section.
    func revocationPolicy(_ top: PlaybookReader.Section) throws(PlaybookError) -> RevocationPolicy {
        var policy = RevocationPolicy()
        if let node = top["revoke_grace"] { policy.graceSeconds = try duration(node, key: "revoke_grace", example: "10m") }
        if let node = top["revoke_quiet"] { policy.quietSeconds = try duration(node, key: "revoke_quiet", example: "14d") }
        if let node = top["revoke_without_usage_data"] { policy.withoutUsageData = try flag(node, key: "revoke_without_usage_data") }
        return policy
    }

    private func duration(_ node: Node, key: String, example: String) throws(PlaybookError) -> Int {
        let text = try reader.string(node, key: key).value
        guard let seconds = DurationText.parse(text) else {
            throw reader.error(at: node, "\(key) must be a number and a unit (s, m, h or d), not \(PlaybookError.show(text))",
                               "write for example \(key): \(example)")
        }
        return seconds
    }
}
