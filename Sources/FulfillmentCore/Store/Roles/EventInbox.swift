public import Foundation

/// The inbox of Stripe's events: each verified event stored once by its id before it is acknowledged, then
/// claimed with a lease, handled, retried on the common schedule or parked for an operator.
public protocol EventInbox: Sendable {
    /// Stores a verified event once; a second insert of the same id is a `duplicate` and changes nothing.
    func insertEvent(_ event: InboxEvent) async throws -> InboxInsertOutcome

    /// Stores several events in one transaction (group commit): one durable write for many webhooks.
    /// Returns an outcome per event, in order. An event with a `leaseUntil` is stored claimed (its lease and
    /// `attempts` as given), so the instance storing it can handle it without a claim of its own; a
    /// duplicate leaves the stored event as it was.
    func insertEvents(_ events: [InboxEvent]) async throws -> [InboxInsertOutcome]

    /// Stores `event` with whatever else arrives meanwhile, in the store's one group commit (a burst of
    /// webhooks shares one durable write), and calls `completion` once it is durable, or with the error. For
    /// the webhook intake on an event loop: it neither blocks nor starts a task per event. An event with a
    /// `leaseUntil` is stored claimed, as `insertEvents` does.
    func receiveEvent(_ event: InboxEvent, completion: @escaping @Sendable (Result<InboxInsertOutcome, any Error>) -> Void)

    /// Claims up to `limit` pending events due at `now`, oldest first, hiding them from other workers until
    /// `leaseUntil` (a worker that dies loses its claim when the lease ends). Each claim counts an attempt.
    func claimEvents(limit: Int, now: Date, leaseUntil: Date) async throws -> [InboxEvent]

    /// Gives back claims this instance will not finish (it is stopping): each of these events still pending and
    /// under a lease at `now` is due at once for any worker, its claim's attempt uncounted. An event finished
    /// meanwhile, or whose lease has run out (and may be another worker's claim now), is left as it is.
    func releaseEvents(ids: [String], now: Date) async throws

    /// Marks a claimed event done (`processed` or `ignored`), with an optional note.
    func completeEvent(id: String, status: InboxEventStatus, note: String?, now: Date) async throws

    /// Records a failed attempt: retried at `retryAt`, or parked as `parkAs` (`dead`, or `orphaned` for an
    /// event about an object we never knew) when `retryAt` is `nil`.
    func failEvent(id: String, error: String, retryAt: Date?, parkAs: InboxEventStatus, now: Date) async throws

    /// Events matching `filter`, newest first.
    func listEvents(matching filter: EventFilter, limit: Int) async throws -> [InboxEvent]

    func event(id: String) async throws -> InboxEvent?

    /// Puts an event back in the queue (an operator's replay); `false` if there is no such event.
    func replayEvent(id: String, now: Date) async throws -> Bool

    /// How many events wait per status.
    func eventCounts() async throws -> [InboxEventStatus: Int]

    /// Retention: drops the payload of events handled (processed or ignored) before `payloadsBefore`, keeping
    /// their rows, whose ids go on deduplicating; deletes the rows of events handled before `rowsBefore`
    /// (older than anything Stripe can deliver or list again). Dead and orphaned events are kept for operators.
    func pruneEvents(payloadsBefore: Date, rowsBefore: Date) async throws -> PruneResult
}

extension EventInbox {
    /// A store with no group commit of its own (the in-memory store) stores each event as it comes.
    public func receiveEvent(_ event: InboxEvent, completion: @escaping @Sendable (Result<InboxInsertOutcome, any Error>) -> Void) {
        Task {
            do {
                completion(.success(try await insertEvents([event])[0]))
            } catch {
                completion(.failure(error))
            }
        }
    }

    /// Events, newest first, optionally of one status.
    public func listEvents(status: InboxEventStatus?, limit: Int) async throws -> [InboxEvent] {
        try await listEvents(matching: EventFilter(status: status), limit: limit)
    }
}

/// What a prune did.
public struct PruneResult: Sendable, Hashable {
    public var payloadsDropped: Int
    public var rowsDeleted: Int

    public init(payloadsDropped: Int, rowsDeleted: Int) {
        self.payloadsDropped = payloadsDropped
        self.rowsDeleted = rowsDeleted
    }
}
