import Yams

/// `keep_runs: N` (default 100, at least 1): after a successful run, journals of the consumer beyond
/// its newest N are folded into its sealed history summary (`runs/summary/<consumer>.sealed`), one
/// line each, and removed. `rekey history` lists folded runs from the summary; `rollback`, which
/// needs a run's whole journal, reaches the newest N.
extension Playbook {
    public static let defaultKeepRuns = 100
}

extension PlaybookParser {
    func keepRuns(_ node: Node) throws(PlaybookError) -> Int {
        let value = try reader.integer(node, key: "keep_runs", example: "100")
        guard value >= 1 else {
            throw reader.error(at: node, "keep_runs is \(value), but at least the newest run's journal must be kept", "use 1 or more")
        }
        return value
    }
}
