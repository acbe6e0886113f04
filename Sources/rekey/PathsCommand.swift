import ArgumentParser
import RekeyCore

extension Rekey {
    struct PathsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "paths",
            abstract: "Print the directories the playbooks write to, one per line (for ReadWritePaths= of rekey.service).",
            discussion: """
            Reads each playbook (every *.yml and *.yaml of a directory) with the same trust rules as a run: \
            owned by root or this user, not writable by group or others. Prints the directory of \
            each target.file once, sorted. scripts/install --system writes them into a drop-in of rekey.service; \
            rerun it after adding a playbook in a new directory. Needs no master key and no network.
            """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Playbooks or directories of playbooks.") var playbooks: [String]

        func run() async throws {
            try await reportingErrors {
                for directory in try PlaybookSet.writtenDirectories(playbooks, environment: global.environment) {
                    say(directory)
                }
            }
        }
    }
}
