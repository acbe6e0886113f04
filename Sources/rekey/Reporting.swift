import ArgumentParser
import Foundation
import RekeyCore

/// Turns a core error into one line on standard error and its documented exit code.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as any RekeyError {
        printError(error.description)
        throw ExitCode(error.exitStatus.rawValue)
    } catch let error as ExitCode {
        throw error
    } catch {
        // Foreign errors are not vetted for secrets: name the type only.
        printError(ErrorLine.forPeople(error))
        throw ExitCode(ExitStatus.software.rawValue)
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data(("rekey: " + line + "\n").utf8))
}

/// Writes to standard output immediately (cron and pipes buffer otherwise).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// One pretty, key-sorted JSON document on stdout.
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { say(String(decoding: data, as: UTF8.self)) }
}
