import FulfillmentCore
import StripeAPI
import Synchronization

/// The event worker's slots, shared with the webhook intake so that a new event can be claimed as it is
/// stored: the intake reserves a free slot, stores the event with this instance's lease in the same
/// transaction as the insert, and hands it over here, where the worker starts it at once. Without this, the
/// worker's own claim of a just-stored event was a second write, queued behind the group commit in flight: a
/// traced burst of 16 waited up to 17 ms between the inbox and the claim.
///
/// Counts events in flight, events the worker holds waiting for a slot, slots reserved by the intake and
/// events handed over but not yet taken; a reservation succeeds only while their sum is under the capacity.
/// An event handed over is leased like a claimed one: if this instance dies before handling it, another
/// worker claims it when the lease ends.
final class WorkerSlots: Sendable {
    private struct State {
        var inFlight = 0
        var waiting = 0
        var reserved = 0
        var handedOver: [InboxEvent] = []
        var closed = false

        var taken: Int { inFlight + waiting + reserved + handedOver.count }
    }

    let capacity: Int
    private let state = Mutex(State())
    /// Rung whenever the last taken slot is freed: wakes the caller of `quiet(within:)`.
    private let quietBell = Doorbell()

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    // MARK: The intake's side

    /// Takes up to `wanted` free slots for events about to be stored claimed; returns how many (0 once the
    /// worker is stopping).
    func reserve(upTo wanted: Int) -> Int {
        state.withLock { state in
            guard !state.closed else { return 0 }
            let granted = max(0, min(wanted, capacity - state.taken))
            state.reserved += granted
            return granted
        }
    }

    /// Hands stored, claimed events to the worker (each on a slot reserved before), and returns `unused`
    /// reservations (the insert failed, or an event was a duplicate and stays as it was). The caller rings the
    /// worker's doorbell.
    func handOver(_ events: [InboxEvent], unused: Int) {
        let quiet = state.withLock { state in
            state.reserved -= events.count + unused
            state.handedOver += events
            return state.taken == 0
        }
        if quiet { quietBell.ring() }
    }

    // MARK: The worker's side

    /// The events handed over since the last call, oldest first; the caller holds them as waiting.
    func takeHandedOver() -> [InboxEvent] {
        state.withLock { state in
            let events = state.handedOver
            state.handedOver = []
            state.waiting += events.count
            return events
        }
    }

    /// The worker claimed `count` events itself and holds them as waiting.
    func hold(_ count: Int) {
        state.withLock { $0.waiting += count }
    }

    /// A waiting event starts; false (and nothing changes) when every slot is busy.
    func start() -> Bool {
        state.withLock { state in
            guard state.inFlight < capacity else { return false }
            state.inFlight += 1
            state.waiting -= 1
            return true
        }
    }

    /// The worker gave back `count` waiting events (it is stopping) instead of starting them.
    func giveBack(_ count: Int) {
        let quiet = state.withLock { state in
            state.waiting -= count
            return state.taken == 0
        }
        if quiet { quietBell.ring() }
    }

    /// An event finished: its slot is free again.
    func finish() {
        let quiet = state.withLock { state in
            state.inFlight -= 1
            return state.taken == 0
        }
        if quiet { quietBell.ring() }
    }

    // MARK: Work that gives way

    /// Returns once no event is in flight, waiting, reserved or handed over, or after `limit`, whichever
    /// comes first (at once when cancelled). Work that can wait (receipts) uses it to leave the two cores to
    /// the fulfilments of a burst, and still goes ahead after `limit` when the worker is never idle. One caller
    /// at a time (the outbox worker): the bell it waits on has one waiter.
    func quiet(within limit: Duration) async {
        guard !isQuiet else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !self.isQuiet, !Task.isCancelled { await self.quietBell.wait() }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    private var isQuiet: Bool { state.withLock { $0.taken == 0 } }

    /// Whether a slot is free for an event the worker would claim itself.
    var hasFreeSlot: Bool { state.withLock { $0.inFlight < capacity } }

    /// Events in flight.
    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Events reserved or handed over and not yet taken: the worker waits for them before it stops.
    var arriving: Bool { state.withLock { $0.reserved > 0 || !$0.handedOver.isEmpty } }

    /// Graceful shutdown: the intake reserves no more slots; what it reserved is still handed over.
    func close() {
        state.withLock { $0.closed = true }
    }
}
