import Foundation

/// The one reading of the wall clock in RekeyCore. Everything that needs the time takes a
/// `now: @Sendable () -> Date` (run ids, journal times, backup epochs, comments, retention) whose
/// default is this, so tests inject a fixed or moving clock instead.
public enum WallClock {
    public static let now: @Sendable () -> Date = { Date() }
}
