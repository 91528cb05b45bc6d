package import Foundation
import Synchronization

/// Time for the service that a test can move forward (claims' leases, backoff).
package final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    package init() {}

    package var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    package func advance(_ seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
