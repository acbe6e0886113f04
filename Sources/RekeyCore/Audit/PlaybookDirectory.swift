import Foundation

/// The playbooks of a directory (`--playbooks DIR`): every `*.yml` and `*.yaml` file in it, not
/// recursively, loaded and validated as `rekey run` does. One that does not load is a problem
/// reported with its reason; the others still count.
public enum PlaybookDirectory {
    public static func load(_ directory: String, environment: [String: String]) -> (playbooks: [Playbook], problems: [ScanProblem]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return ([], [ScanProblem(file: directory, problem: "cannot list this playbook directory")])
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        var playbooks: [Playbook] = []
        var problems: [ScanProblem] = []
        for name in names.sorted() where !name.hasPrefix(".") && (name.hasSuffix(".yml") || name.hasSuffix(".yaml")) {
            do {
                playbooks.append(try Playbook.load(path: base + name, environment: environment))
            } catch {
                problems.append(ScanProblem(file: base + name, problem: error.description))
            }
        }
        return (playbooks, problems)
    }
}
