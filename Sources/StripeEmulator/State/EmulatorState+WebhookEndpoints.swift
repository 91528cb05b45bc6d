import Foundation
import StripeAPI

extension EmulatorState {
    func createWebhookEndpoint(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["url", "enabled_events", "description", "metadata", "api_version", "connect"])
        let url = try parameters.requiredString("url", maxLength: 5000)
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw .invalidRequest("Invalid URL: \(url)", param: "url", code: "url_invalid")
        }
        guard let enabled = try parameters.strings("enabled_events", maxCount: 250), !enabled.isEmpty else {
            throw .invalidRequest("Missing required param: enabled_events.", param: "enabled_events")
        }
        for type in enabled where !Self.isEventTypeName(type) {
            throw .invalidRequest("Invalid enabled_events: \(type) is not an event type.", param: "enabled_events")
        }
        let version = try parameters.string("api_version")
        if let version, !APIVersionShape.isVersion(version) {
            throw .invalidRequest("Invalid api_version: \(version.prefix(40))", param: "api_version")
        }
        let registered = registerEndpoint(
            url: url, enabledEvents: enabled, secret: nil, description: try parameters.string("description"),
            metadata: try parameters.metadata())
        endpoints[registered.id]?.apiVersion = version
        endpoints[registered.id]?.connect = try parameters.bool("connect") ?? false
        return endpoints[registered.id]!.json(includingSecret: true)
    }

    /// Adds an endpoint (the API, or `--forward-to` at start) and returns it with its secret.
    @discardableResult
    public func registerEndpoint(
        url: String, enabledEvents: [String], secret: String?, description: String? = nil, metadata: [String: String] = [:],
        connect: Bool = false, apiVersion: String? = nil
    ) -> RegisteredEndpoint {
        let endpoint = WebhookEndpointRecord(
            id: makeID("we_"), created: nowSeconds, url: url, enabledEvents: enabledEvents, description: description,
            metadata: metadata, apiVersion: apiVersion, connect: connect, secrets: [(secret ?? makeID("whsec_", length: 32), nil)])
        endpoints[endpoint.id] = endpoint
        return RegisteredEndpoint(id: endpoint.id, secret: endpoint.secrets[0].secret)
    }

    func retrieveWebhookEndpoint(_ id: String) throws(APIError) -> JSONValue {
        guard let endpoint = endpoints[id] else { throw .missing("webhook_endpoint", id) }
        return endpoint.json(includingSecret: false)
    }

    /// `POST /v1/webhook_endpoints/{id}`: a new URL, event list, description or metadata (the secret stays).
    func updateWebhookEndpoint(_ id: String, _ call: APICall) throws(APIError) -> JSONValue {
        guard var endpoint = endpoints[id] else { throw .missing("webhook_endpoint", id) }
        let parameters = call.parameters
        try parameters.allowOnly(["url", "enabled_events", "description", "metadata", "disabled"])
        if let url = try parameters.string("url") {
            guard url.count <= 5000, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw .invalidRequest("Invalid URL: \(url.prefix(200))", param: "url", code: "url_invalid")
            }
            endpoint.url = url
        }
        if let enabled = try parameters.strings("enabled_events", maxCount: 250) {
            guard !enabled.isEmpty else { throw .invalidRequest("enabled_events cannot be empty.", param: "enabled_events") }
            for type in enabled where !Self.isEventTypeName(type) {
                throw .invalidRequest("Invalid enabled_events: \(type) is not an event type.", param: "enabled_events")
            }
            endpoint.enabledEvents = enabled
        }
        if let description = try parameters.string("description") { endpoint.description = description }
        let metadata = try parameters.metadata()
        if !metadata.isEmpty { endpoint.metadata.merge(metadata) { _, new in new } }
        endpoints[id] = endpoint
        return endpoint.json(includingSecret: false)
    }

    func listWebhookEndpoints(_ call: APICall) throws(APIError) -> JSONValue {
        let page = try Page(endpoints.newestFirst, id: \.id, parameters: call.parameters, resource: "webhook_endpoint")
        return try page.json(url: "/v1/webhook_endpoints") { $0.json(includingSecret: false) }
    }

    func deleteWebhookEndpoint(_ id: String) throws(APIError) -> JSONValue {
        guard endpoints[id] != nil else { throw .missing("webhook_endpoint", id) }
        endpoints[id] = nil
        return ["id": .string(id), "object": "webhook_endpoint", "deleted": true]
    }

    /// Test control: a new secret signs from now on; the old one keeps signing for `expiresIn` seconds.
    func rollEndpointSecret(_ id: String, expiresIn: Int, secret: String?) throws(APIError) -> JSONValue {
        guard var endpoint = endpoints[id] else { throw .missing("webhook_endpoint", id) }
        let expiry = now.addingTimeInterval(TimeInterval(expiresIn))
        endpoint.secrets = endpoint.secrets.map { ($0.secret, $0.expiresAt.map { min($0, expiry) } ?? expiry) }
        endpoint.secrets.insert((secret ?? makeID("whsec_", length: 32), nil), at: 0)
        endpoints[id] = endpoint
        return [
            "id": .string(id), "object": "webhook_endpoint", "secret": .string(endpoint.secrets[0].secret),
            "active_secrets": .int(endpoint.activeSecrets(at: now).count),
        ]
    }

    static func isEventTypeName(_ type: String) -> Bool {
        type == "*" || (type.contains(".") && type.allSatisfy { $0.isASCII && ($0.isLowercase || $0 == "." || $0 == "_" || $0.isNumber) })
    }
}

/// An endpoint registered without the API (at start, or by a test), with its signing secret.
public struct RegisteredEndpoint: Sendable {
    public var id: String
    public var secret: String
}
