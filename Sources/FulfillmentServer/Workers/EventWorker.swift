import FulfillmentCore
import Logging
import Prometheus
import ServiceLifecycle
import StripeAPI

/// Runs the event processor as a service: woken at once by the webhook intake (and on a poll interval as a
/// safety net), it claims batches and handles up to `concurrency` events at once. On graceful shutdown it
/// stops claiming and finishes what it has claimed; anything claimed by a killed worker returns when its
/// lease ends.
struct EventWorker: Service {
    let processor: EventProcessor
    let doorbell: Doorbell
    let concurrency: Int
    let pollInterval: Duration
    let metrics: ServiceMetrics
    /// Called after each event (it may have queued an email: wake the outbox worker).
    let afterEvent: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        await WorkerLoop.run(doorbell: doorbell, pollInterval: pollInterval) { await runBatch() }
    }

    /// Claims and handles one batch; returns how many events it handled.
    func runBatch() async -> Int {
        let events: [InboxEvent]
        do {
            events = try await processor.claim(limit: concurrency * 4)
        } catch is CancellationError {
            return 0
        } catch {
            logger.error("could not claim events", metadata: ["error": "\(error)"])
            try? await Task.sleep(for: pollInterval)
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            var next = events.makeIterator()
            for _ in 0..<concurrency {
                guard let event = next.next() else { break }
                group.addTask { await handle(event) }
            }
            while await group.next() != nil {
                if let event = next.next() { group.addTask { await handle(event) } }
            }
        }
        return events.count
    }

    private func handle(_ event: InboxEvent) async {
        let outcome = await processor.process(event)
        metrics.processed("\(outcome)")
        afterEvent()
    }
}

