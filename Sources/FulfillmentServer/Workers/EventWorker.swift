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
/// of work at most. Most new events need no claim at all: the webhook intake stores them claimed for a free
/// slot and hands them over (`WorkerSlots`), and they start first. Woken at once by the webhook intake, by the
/// store when another instance adds events, by a finishing event, and on a poll interval as a safety net.
///
/// Sized for latency, not CPU: most of an event's time is spent waiting for Stripe, and the Stripe client's
/// pacer keeps the requests of every slot under the rate limit. On graceful shutdown it stops claiming and
/// lets what it claimed finish; anything claimed by a killed worker returns when its lease ends.
struct EventWorker: Service {
    let processor: EventProcessor
    let doorbell: Doorbell
    /// The slots, shared with the webhook intake, which hands over events it stored claimed.
    let slots: WorkerSlots
    let pollInterval: Duration
    let metrics: ServiceMetrics
    let logger: Logger

    var concurrency: Int { slots.capacity }

    /// The most events one claim takes: a slot's worth for every slot. More would hold events leased here
    /// that another instance's free slots could handle now (and that a killed instance keeps until the lease
    /// ends).
    var prefetch: Int { concurrency }

    func run() async throws {
        // Events held for a slot, last to start at the end (taken with `popLast`): handed-over events first
        // (their slots were reserved), then claimed ones in claim order.
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
                /// Takes what the intake handed over, then starts waiting events while slots are free.
                func fillFreeSlots() {
                    waiting.append(contentsOf: slots.takeHandedOver().reversed())
                    while let event = waiting.last, slots.start() {
                        waiting.removeLast()
                        group.addTask {
                            await handle(event)
                            slots.finish()
                            doorbell.ring()
                        }
                    }
                }
                while !stopping.isSet, !Task.isCancelled {
                    fillFreeSlots()
                    var mayBeMore = false
                    if slots.hasFreeSlot, waiting.isEmpty, let events = await claim(prefetch) {
                        slots.hold(events.count)
                        waiting = events.reversed()
                        mayBeMore = events.count == prefetch
                    }
                    fillFreeSlots()
                    // Slots still free after a full claim: more may be due, claim again at once. Otherwise wait
                    // for a slot to free or for new events.
                    if slots.hasFreeSlot, mayBeMore { continue }
                    await doorbell.wait()
                }
                // Graceful shutdown: what was claimed or handed over is finished (slot by slot), then the poll
                // task is stopped.
                while !Task.isCancelled, slots.inFlight > 0 || !waiting.isEmpty || slots.arriving {
                    fillFreeSlots()
                    await doorbell.wait()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            slots.close()
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
    }
}
