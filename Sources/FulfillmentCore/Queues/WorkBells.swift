package import StripeAPI

/// The doorbells of this process's workers, one per queue. A store rings them itself once a transaction of
/// its has committed work to a queue (a new event, a fulfilment's receipt and notifications, a refund's email,
/// an operator's replay), and a store shared by several processes (PostgreSQL) also rings them when it hears
/// of another process's commit. Nothing else rings them: whoever queues work need not know who does it.
public final class WorkBells: Sendable {
    /// New events in the inbox.
    package let events = Doorbell()
    /// New emails in the outbox.
    package let emails = Doorbell()
    /// New merchant notifications and action effects.
    package let dispatches = Doorbell()

    public init() {}

    /// Rings for what a committed change queued.
    public func ring(for outgoing: Outgoing) {
        if !outgoing.emails.isEmpty { emails.ring() }
        if !outgoing.dispatches.isEmpty { dispatches.ring() }
    }

    /// Rings the event worker (new or replayed events).
    public func ringEvents() { events.ring() }

    /// Rings the email worker (a replayed email).
    public func ringEmails() { emails.ring() }

    /// Rings the dispatch worker (a replayed notification or effect).
    public func ringDispatches() { dispatches.ring() }

    /// Rings both outgoing workers (work another process added, of either kind).
    public func ringOutgoing() {
        emails.ring()
        dispatches.ring()
    }
}
