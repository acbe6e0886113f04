import Foundation

/// The clock the commands that judge ages decide with (`rekey revoke --pending`, `rekey audit`). In debug (test) builds only,
/// `REKEY_TEST_CLOCK_OFFSET=SECONDS` moves it, so that tests see a grace, quiet or `every` period pass
/// without sleeping; a release build reads the wall clock, whatever the environment says.
public enum CommandClock {
    public static let offsetVariable = "REKEY_TEST_CLOCK_OFFSET"

    public static let now: @Sendable () -> Date = {
        #if DEBUG
        if let text = ProcessInfo.processInfo.environment[offsetVariable], let offset = Int(text) {
            return WallClock.now().addingTimeInterval(TimeInterval(offset))
        }
        #endif
        return WallClock.now()
    }
}
