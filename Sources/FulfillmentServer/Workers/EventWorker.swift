import FulfillmentCore
import Logging
import ServiceLifecycle
import StripeAPI
import Synchronization

/// Runs the event processor as a service: a pipeline of up to `concurrency` events in flight, with no batch
/// barrier. Whenever a slot is free it claims as many due events as there are free slots (a claim is a lease,
/// so nothing is claimed that could not start at once); each event's slot is refilled the moment it
/// finishes, so a slow event never holds the next. Woken at once by the webhook intake, by the store when
/// another instance adds events, by a finishing event, and on a poll interval as a safety net.
///
/// Sized for latency, not CPU: most of an event's time is spent waiting for Stripe, and the Stripe client's
/// pacer keeps the requests of every slot under the rate limit. On graceful shutdown it stops claiming and
/// lets what it claimed finish; anything claimed by a killed worker returns when its lease ends.
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
        let inFlight = InFlightCount()
        let stopping = ShutdownFlag()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !stopping.isSet, !Task.isCancelled {
                        try? await Task.sleep(for: pollInterval)
                        doorbell.ring()
                    }
                }
                while !stopping.isSet, !Task.isCancelled {
                    let free = concurrency - inFlight.value
                    if free > 0, let events = await claim(free), !events.isEmpty {
                        for event in events {
                            inFlight.add(1)
                            group.addTask {
                                await handle(event)
                                inFlight.add(-1)
                                doorbell.ring()
                            }
                        }
                        // All slots taken, or more may be due: look again at once (the next wait ends when a slot frees).
                        if events.count == free { continue }
                    }
                    await doorbell.wait()
                }
                // Graceful shutdown: the claimed events finish; then the poll task is stopped.
                while inFlight.value > 0, !Task.isCancelled { await doorbell.wait() }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.set()
            doorbell.ring()
        }
    }

    /// Claims up to `limit` due events; `nil` after a storage failure (logged; the loop waits for the poll).
    private func claim(_ limit: Int) async -> [InboxEvent]? {
        do {
            return try await processor.claim(limit: limit)
        } catch is CancellationError {
            return nil
        } catch {
            logger.error("could not claim events", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func handle(_ event: InboxEvent) async {
        let outcome = await processor.process(event)
        metrics.processed("\(outcome)")
        afterEvent()
    }
}

/// How many events are in flight (shared by the dispatch loop and the tasks it starts).
final class InFlightCount: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .acquiring) }

    func add(_ delta: Int) { count.add(delta, ordering: .acquiringAndReleasing) }
}
