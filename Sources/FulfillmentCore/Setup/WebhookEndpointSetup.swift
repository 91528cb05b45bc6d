public import StripeAPI

/// `fulfill setup`: makes the account's webhook endpoint for this service receive exactly the event types
/// the service handles (a Connect endpoint, with `connect`, for the connected accounts' events; or an event
/// destination of thin events, the recommended way). The plan is pure (what exists, what is wanted -> what to
/// do); `apply` carries it out.
public struct WebhookEndpointSetup: Sendable {
    /// What setup does.
    public enum Plan: Sendable, Hashable {
        /// No endpoint has this URL: create it (its secret is shown once).
        case create(url: String, events: [String])
        /// The endpoint exists with other events: set them.
        case update(id: String, events: [String], adding: [String], removing: [String])
        /// The endpoint exists with exactly these events.
        case unchanged(id: String)
    }

    /// What setup did, for the operator.
    public struct Outcome: Sendable, Hashable {
        public var plan: Plan
        public var endpointID: String
        /// The signing secret: only when the endpoint was created (Stripe shows it once).
        public var secret: String?
    }

    /// What receives the events.
    public enum Kind: Sendable, Hashable {
        /// A v1 webhook endpoint of snapshot events; `connect`: the connected accounts' (a Connect endpoint).
        case webhookEndpoint(connect: Bool)
        /// A v2 event destination of thin events (`v1.` types and Stripe's health alerts).
        case thinEventDestination
    }

    public let url: String
    public let kind: Kind
    /// The event types the service's router handles (sorted, no duplicates), as this kind names them.
    public let events: [String]

    /// `events` are the snapshot types handled; a thin destination asks for their `v1.` types and `thinOnly`.
    public init(url: String, events: [String], kind: Kind = .webhookEndpoint(connect: false), thinOnly: [String] = []) {
        self.url = url
        self.kind = kind
        let named = kind == .thinEventDestination ? events.map { "v1." + $0 } + thinOnly : events
        self.events = Array(Set(named)).sorted()
    }

    /// The plan, given the account's endpoints: the first one with this URL (and of this kind) is the service's.
    public func plan(existing: [WebhookEndpoint]) -> Plan {
        guard case .webhookEndpoint(let connect) = kind else { return .create(url: url, events: events) }
        let existing = existing.filter { $0.url == url && ($0.connect ?? false) == connect }
        return plan(existing: existing.map { (id: $0.id, events: $0.enabledEvents) })
    }

    /// The plan, given the account's thin event destinations.
    public func plan(existing: [EventDestination]) -> Plan {
        plan(existing: existing.filter { $0.webhookEndpoint?.url == url && $0.eventPayload == "thin" }.map { (id: $0.id, events: $0.enabledEvents) })
    }

    private func plan(existing: [(id: String, events: [String])]) -> Plan {
        guard let endpoint = existing.first else { return .create(url: url, events: events) }
        let current = Set(endpoint.events)
        let wanted = Set(events)
        if current == wanted { return .unchanged(id: endpoint.id) }
        return .update(
            id: endpoint.id, events: events, adding: wanted.subtracting(current).sorted(),
            removing: current.subtracting(wanted).sorted())
    }

    /// Reads the endpoints, decides and carries the plan out.
    public func apply(using stripe: StripeClient) async throws -> Outcome {
        if kind == .thinEventDestination {
            let plan = plan(existing: try await stripe.eventDestinations())
            switch plan {
            case .create(let url, let events):
                let destination = try await stripe.createEventDestination(
                    name: "StripeFulfillment", url: url, enabledEvents: events, payload: "thin")
                return Outcome(plan: plan, endpointID: destination.id, secret: destination.webhookEndpoint?.signingSecret)
            case .update(let id, let events, _, _):
                _ = try await stripe.updateEventDestination(id, enabledEvents: events)
                return Outcome(plan: plan, endpointID: id, secret: nil)
            case .unchanged(let id):
                return Outcome(plan: plan, endpointID: id, secret: nil)
            }
        }
        let plan = plan(existing: try await stripe.webhookEndpoints().collect())
        switch plan {
        case .create(let url, let events):
            let connect = kind == .webhookEndpoint(connect: true)
            let endpoint = try await stripe.createWebhookEndpoint(url: url, enabledEvents: events, connect: connect)
            return Outcome(plan: plan, endpointID: endpoint.id, secret: endpoint.secret)
        case .update(let id, let events, _, _):
            _ = try await stripe.updateWebhookEndpoint(id, enabledEvents: events)
            return Outcome(plan: plan, endpointID: id, secret: nil)
        case .unchanged(let id):
            return Outcome(plan: plan, endpointID: id, secret: nil)
        }
    }
}
