public import StripeAPI

/// Event type -> handler. A handler re-fetches what the event names and returns a note for the record.
/// Types without a handler are stored and marked ignored at intake.
public struct EventRouter: Sendable {
    public typealias Handler = @Sendable (_ event: InboxEvent) async throws -> String

    private var handlers: [String: Handler] = [:]
    /// Types only thin events have (`v2.core.*`): handled, but never asked of a v1 webhook endpoint or of
    /// `GET /v1/events`, so not in `types`.
    private var thinOnlyHandlers: [String: Handler] = [:]

    public init() {}

    public func handles(_ type: String) -> Bool { handler(for: type) != nil }

    /// Every snapshot type with a handler (a thin `v1.` event of each is handled too).
    public var types: [String] { handlers.keys.sorted() }

    /// The types only thin events have that a destination subscribes to (a ping comes unasked).
    public var thinOnlyTypes: [String] {
        thinOnlyHandlers.keys.filter { $0 != EventType.eventDestinationPing.rawValue }.sorted()
    }

    public mutating func on(_ type: EventType, _ handler: @escaping Handler) {
        handlers[type.rawValue] = handler
    }

    /// Handles a type that only thin events have.
    public mutating func onThinOnly(_ type: EventType, _ handler: @escaping Handler) {
        thinOnlyHandlers[type.rawValue] = handler
    }

    /// The handler for a type: its own, or for a thin event about a v1 resource (`v1.X`) the snapshot type
    /// `X`'s. Every handler re-fetches the object the event names (a thin event carries only its id), so a
    /// thin event acts exactly as its snapshot event, and the two of one fact act once (the ledger's claim).
    func handler(for type: String) -> Handler? {
        if let handler = handlers[type] { return handler }
        if let snapshot = EventType(rawValue: type).snapshotType, let handler = handlers[snapshot.rawValue] { return handler }
        return thinOnlyHandlers[type]
    }

    /// Runs the handler for the event's type; an event of a type without one is a programming error.
    public func handle(_ event: InboxEvent) async throws -> String {
        guard let handler = handler(for: event.type) else { return "no handler for \(event.type)" }
        return try await handler(event)
    }

    /// This router's handlers plus `other`'s (`other` wins for a type both handle).
    public func merging(_ other: EventRouter) -> EventRouter {
        var merged = self
        merged.handlers.merge(other.handlers) { _, new in new }
        merged.thinOnlyHandlers.merge(other.thinOnlyHandlers) { _, new in new }
        return merged
    }

    /// What thin events bring beside their v1 types: an event destination's ping is acknowledged and noted.
    public static var thinEvents: EventRouter {
        var router = EventRouter()
        router.onThinOnly(.eventDestinationPing) { event in "event destination ping\(event.objectID.map { " (\($0))" } ?? "")" }
        return router
    }

    /// The Checkout Session handlers: completion and settled payments fulfil, a failed payment tells the
    /// customer, an expiry closes the session.
    /// Each acts on the event's account (Connect: the session is the connected account's).
    public static func checkout(_ fulfiller: CheckoutFulfiller) -> EventRouter {
        var router = EventRouter()
        let fulfil: Handler = { event in
            let sessionID = try event.requireObjectID()
            switch try await fulfiller.onAccount(event.account).fulfill(sessionID: sessionID) {
            case .fulfilled: return "fulfilled"
            case .alreadyFulfilled: return "already fulfilled"
            case .awaitingPayment: return "awaiting payment"
            case .notPaid(let status, _): return "not paid (session \(status?.rawValue ?? "unknown"))"
            case .notOurs(let reason): throw IgnoredEvent(reason: reason)
            }
        }
        router.on(.checkoutSessionCompleted, fulfil)
        router.on(.checkoutSessionAsyncPaymentSucceeded, fulfil)
        router.on(.checkoutSessionAsyncPaymentFailed) { event in
            switch try await fulfiller.onAccount(event.account).paymentFailed(sessionID: try event.requireObjectID()) {
            case .applied: return "payment failed; customer emailed"
            case .refused(let current): return "payment failure not applied: session is \(current.rawValue)"
            }
        }
        router.on(.checkoutSessionExpired) { event in
            switch try await fulfiller.onAccount(event.account).expired(sessionID: try event.requireObjectID()) {
            case .applied: return "expired"
            case .refused(let current): return "expiry not applied: session is \(current.rawValue)"
            }
        }
        return router
    }
}

/// An event about an object no order of ours names (yet): retried for a while, in case the order is being
/// recorded, then parked as `orphaned` for an operator.
public struct OrphanEventError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = "orphan: \(description)"
    }
}

/// A handler's decision that the event is not this service's to act on (another integration's Checkout
/// Session, `FULFILL_WHEN`): the event is recorded as `ignored` with the reason, not as an error.
public struct IgnoredEvent: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// An error no retry can fix: the event that met it is parked at once, with the error as its reason.
public protocol NotRetryable: Error, Sendable {}

/// An event that can never succeed, whatever the retries: it is parked at once.
public struct PermanentEventError: NotRetryable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension InboxEvent {
    func requireObjectID() throws -> String {
        guard let objectID, !objectID.isEmpty else { throw PermanentEventError("event has no data.object.id") }
        return objectID
    }
}
