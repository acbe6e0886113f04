/// Temp files that an interrupted replace leaves next to a target (`.<name>.rekey-tmp.<hex>`, see
/// `TargetFile`). They may hold a new token in plaintext, so recovery removes them: rekey never
/// leaves a secret anywhere but the consumer's own file. Listed and unlinked through the target's
/// directory descriptor.
enum TempLeftovers {
    static func remove(besides target: TargetFile?) -> [String] {
        target?.removeTempLeftovers() ?? []
    }
}
