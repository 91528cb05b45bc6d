import Foundation
import FulfillmentCore
import Logging
import ServiceLifecycle
import StripeAPI

/// Delivers queued dispatches (the merchant's notifications, registered actions' effects), each at least
/// once, up to `concurrency` at a time so one slow endpoint does not hold the others. Woken when a change
/// queues one and on a poll interval.
struct DispatchWorker: Service {
    let processor: DispatchProcessor
    let doorbell: Doorbell
    let concurrency: Int
    let pollInterval: Duration
    /// How long, once shutdown begins, the deliveries in flight may take (then they are given back).
    let hold: Duration
    let metrics: ServiceMetrics
    let logger: Logger

    func run() async throws {
        await WorkerLoop.run(doorbell: doorbell, pollInterval: pollInterval, hold: hold) { await runBatch() }
    }

    /// Delivers one batch; returns how many dispatches it attempted.
    func runBatch() async -> Int {
        let claimed: [QueuedDispatch]
        do {
            claimed = try await processor.claim(limit: concurrency)
        } catch is CancellationError {
            return 0
        } catch {
            logger.error("could not claim dispatches", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: pollInterval)
            return 0
        }
        await withTaskGroup(of: DispatchProcessor.Outcome.self) { group in
            for queued in claimed {
                group.addTask { await processor.process(queued) }
            }
            for await outcome in group { metrics.dispatched(outcome) }
        }
        return claimed.count
    }
}
