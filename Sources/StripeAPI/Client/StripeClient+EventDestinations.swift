public import Foundation

/// Event destinations (`/v2/core/event_destinations`): the v2 API, JSON bodies.
extension StripeClient {
    /// Every event destination of the account, with its webhook URL.
    public func eventDestinations() async throws -> [EventDestination] {
        var all: [EventDestination] = []
        var page: String? = nil
        repeat {
            var query: FormValue = ["limit": 100, "include": ["webhook_endpoint.url"]]
            if let page { query = query.setting("page", .string(page)) }
            let list = try await send(.get, "/v2/core/event_destinations", parameters: query, as: V2List<EventDestination>.self)
            all += list.data
            page = list.nextPageURL.flatMap { URLComponents(string: $0)?.queryItems?.first { $0.name == "page" }?.value }
        } while page != nil
        return all
    }

    /// Creates a webhook destination of `payload` (`thin` or `snapshot`) events; the answer carries its signing
    /// secret (shown this once).
    public func createEventDestination(name: String, url: String, enabledEvents: [String], payload: String) async throws -> EventDestination {
        let body: JSONValue = [
            "name": .string(name), "type": "webhook_endpoint", "event_payload": .string(payload),
            "enabled_events": .array(enabledEvents.map { .string($0) }), "webhook_endpoint": ["url": .string(url)],
            "include": ["webhook_endpoint.signing_secret", "webhook_endpoint.url"],
        ]
        let response = try await sendRaw(.post, "/v2/core/event_destinations", jsonBody: body)
        return try JSONDecoder().decode(EventDestination.self, from: Data(response.body))
    }

    /// Sets the events a destination receives (its URL and secret stay).
    public func updateEventDestination(_ id: String, enabledEvents: [String]) async throws -> EventDestination {
        let body: JSONValue = ["enabled_events": .array(enabledEvents.map { .string($0) }), "include": ["webhook_endpoint.url"]]
        let response = try await sendRaw(.post, "/v2/core/event_destinations/\(Self.pathSegment(id))", jsonBody: body)
        return try JSONDecoder().decode(EventDestination.self, from: Data(response.body))
    }
}
