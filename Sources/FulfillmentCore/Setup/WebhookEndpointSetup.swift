public import StripeAPI

/// `fulfill setup`: makes the account's webhook endpoint for this service receive exactly the event types
/// the service handles. The plan is pure (what exists, what is wanted -> what to do); `apply` carries it out.
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

    public let url: String
    /// The event types the service's router handles (sorted, no duplicates).
    public let events: [String]

    public init(url: String, events: [String]) {
        self.url = url
        self.events = Array(Set(events)).sorted()
    }

    /// The plan, given the account's endpoints: the first one with this URL is the service's.
    public func plan(existing: [WebhookEndpoint]) -> Plan {
        guard let endpoint = existing.first(where: { $0.url == url }) else { return .create(url: url, events: events) }
        let current = Set(endpoint.enabledEvents)
        let wanted = Set(events)
        if current == wanted { return .unchanged(id: endpoint.id) }
        return .update(
            id: endpoint.id, events: events, adding: wanted.subtracting(current).sorted(),
            removing: current.subtracting(wanted).sorted())
    }

    /// Reads the endpoints, decides and carries the plan out.
    public func apply(using stripe: StripeClient) async throws -> Outcome {
        let plan = plan(existing: try await stripe.webhookEndpoints().collect())
        switch plan {
        case .create(let url, let events):
            let endpoint = try await stripe.createWebhookEndpoint(url: url, enabledEvents: events)
            return Outcome(plan: plan, endpointID: endpoint.id, secret: endpoint.secret)
        case .update(let id, let events, _, _):
            _ = try await stripe.updateWebhookEndpoint(id, enabledEvents: events)
            return Outcome(plan: plan, endpointID: id, secret: nil)
        case .unchanged(let id):
            return Outcome(plan: plan, endpointID: id, secret: nil)
        }
    }
}
