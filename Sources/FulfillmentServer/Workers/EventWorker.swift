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
/// pacer keeps the requests of every slot under the rate limit. On graceful shutdown it stops claiming, gives
/// back at once what no slot has started (another instance takes it now, not when its lease ends), and lets
/// what is in flight finish within `hold`; what is still in flight then is cancelled and given back. Anything
/// claimed by a killed worker returns when its lease ends.
struct EventWorker: Service {
    let processor: EventProcessor
    let doorbell: Doorbell
    /// The slots, shared with the webhook intake, which hands over events it stored claimed.
    let slots: WorkerSlots
    let pollInterval: Duration
    /// How long, once shutdown begins, the events in flight may take to finish (the shutdown grace's share).
    let hold: Duration
    let metrics: ServiceMetrics
    let logger: Logger

    var concurrency: Int { slots.capacity }

    /// The most events one claim takes: a slot's worth for every slot. More would hold events leased here
    /// that another instance's free slots could handle now (and that a killed instance keeps until the lease
    /// ends).
    var prefetch: Int { concurrency }

    func run() async throws {
        await withShutdownGrace(hold) { await work() }
    }

    private func work() async {
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
                // Graceful shutdown: what no slot has started (claimed, or handed over by the intake) is given
                // back at once; what is in flight finishes, or is cancelled at the end of the grace and gives its
                // event back itself. Then the poll task is stopped.
                var givenBack = 0
                while slots.inFlight > 0 || !waiting.isEmpty || slots.arriving {
                    waiting.append(contentsOf: slots.takeHandedOver())
                    if !waiting.isEmpty {
                        await processor.release(waiting)
                        slots.giveBack(waiting.count)
                        givenBack += waiting.count
                        waiting = []
                    }
                    // Cancelled: the events in flight (this group's tasks) are cancelled too, and each gives its
                    // event back as it ends; the group waits for them.
                    if Task.isCancelled { break }
                    if slots.inFlight > 0 || slots.arriving { await doorbell.wait() }
                }
                if givenBack > 0 { logger.notice("stopping: gave back \(givenBack) claimed events not yet started") }
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
