import FulfillmentCore
import Logging
import ServiceLifecycle
import StripeAPI
import Synchronization

/// Runs the event processor as a service: a pipeline of up to `concurrency` events in flight, with no batch
/// barrier. Each event's slot is refilled the moment it finishes, so a slow event never holds the next. Slots
/// are filled from a small queue of claimed events, refilled by one claim of up to `concurrency` events when
/// it runs dry: one claim per event would cost a write transaction per event, which under a flood of
/// webhooks competed with intake for SQLite's one writer. Claims are leases (60 s); the queue holds one round
/// of work at most. Woken at once by the webhook intake, by the store when another instance adds events, by a
/// finishing event, and on a poll interval as a safety net.
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

    /// The most events one claim takes: a slot's worth for every slot. More would hold events leased here
    /// that another instance's free slots could handle now (and that a killed instance keeps until the lease
    /// ends).
    var prefetch: Int { concurrency }

    func run() async throws {
        let inFlight = InFlightCount()
        // Claimed events not yet started, last to start at the end (taken with `popLast`, in claim order).
        var waiting: [InboxEvent] = []
        let stopping = ShutdownFlag()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !stopping.isSet, !Task.isCancelled {
                        try? await Task.sleep(for: pollInterval)
                        doorbell.ring()
                    }
                }
                /// Starts waiting events while slots are free.
                func fillFreeSlots() {
                    while inFlight.value < concurrency, let event = waiting.popLast() {
                        inFlight.add(1)
                        group.addTask {
                            await handle(event)
                            inFlight.add(-1)
                            doorbell.ring()
                        }
                    }
                }
                while !stopping.isSet, !Task.isCancelled {
                    var mayBeMore = false
                    if inFlight.value < concurrency, waiting.isEmpty, let events = await claim(prefetch) {
                        waiting = events.reversed()
                        mayBeMore = events.count == prefetch
                    }
                    fillFreeSlots()
                    // Slots still free after a full claim: more may be due, claim again at once. Otherwise wait
                    // for a slot to free or for new events.
                    if inFlight.value < concurrency, mayBeMore { continue }
                    await doorbell.wait()
                }
                // Graceful shutdown: what was claimed is finished (slot by slot), then the poll task is stopped.
                while !Task.isCancelled, inFlight.value > 0 || !waiting.isEmpty {
                    fillFreeSlots()
                    await doorbell.wait()
                }
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
