public import Foundation

/// Merchant notifications and registered actions' effects, queued in the transaction that decided them and
/// delivered by a worker, retried on the common schedule and parked `dead` for an operator to replay.
public protocol DispatchOutbox: Sendable {
    /// Claims up to `limit` pending dispatches due at `now`, oldest first, until `leaseUntil`; each claim
    /// counts an attempt.
    func claimDispatches(limit: Int, now: Date, leaseUntil: Date) async throws -> [QueuedDispatch]
    /// Gives back claims this instance will not deliver (it is stopping), as `EventInbox.releaseEvents` does.
    func releaseDispatches(ids: [String], now: Date) async throws
    func markDispatchDelivered(id: String, now: Date) async throws
    /// Records a failed attempt: tried again at `retryAt`, or parked as `dead` when it is `nil`.
    func markDispatchFailed(id: String, error: String, retryAt: Date?, now: Date) async throws
    /// Dispatches, oldest first, optionally of one status and about one subject (a session or an order).
    func dispatches(status: DispatchStatus?, subjectID: String?, limit: Int) async throws -> [DispatchEntry]
    /// The dispatch with this id, if any.
    func dispatch(id: String) async throws -> DispatchEntry?
    /// How many dispatches there are per status (the console's backlog, without reading the rows).
    func dispatchCounts() async throws -> [DispatchStatus: Int]
    /// Puts a dispatch back in the queue, due at once (an operator's replay of a dead one); `false` if there is
    /// no such dispatch.
    func replayDispatch(id: String, now: Date) async throws -> Bool
}
