import Foundation
import StripeAPI

extension EmulatorState {
    func retrieveEvent(_ id: String) throws(APIError) -> JSONValue {
        guard let event = events[id] else { throw .missing("event", id) }
        return event.json
    }

    /// `GET /v1/events`: the last 30 days, newest first, filtered by `type` (with `*` wildcards), `types[]`,
    /// `created[gt|gte|lt|lte]` and `delivery_success`.
    func listEvents(_ call: APICall) throws(APIError) -> JSONValue {
        let parameters = call.parameters
        try parameters.allowOnly(["type", "types", "created", "delivery_success", "limit", "starting_after", "ending_before"])
        var all = events.newestFirst.filter { $0.created >= nowSeconds - 30 * 24 * 3600 }
        let type = try parameters.string("type")
        let types = try parameters.strings("types", maxCount: 20)
        if type != nil && types != nil {
            throw .invalidRequest("You may only specify one of these parameters: type, types.", param: "types")
        }
        if let type { all = all.filter { Self.matches($0.type, pattern: type) } }
        if let types { all = all.filter { event in types.contains { Self.matches(event.type, pattern: $0) } } }
        if let created = parameters.form["created"] {
            let bounds = try Self.timeBounds(created, param: "created")
            all = all.filter { bounds.lower <= $0.created && $0.created <= bounds.upper }
        }
        if let delivered = try parameters.bool("delivery_success") {
            all = all.filter { $0.pendingEndpoints.isEmpty == delivered && (!delivered || hadDeliveries($0.id)) }
        }
        let page = try Page(all, id: \.id, parameters: parameters, resource: "event")
        return try page.json(url: "/v1/events") { $0.json }
    }

    private func hadDeliveries(_ eventID: String) -> Bool {
        deliveries.oldestFirst.contains { $0.eventID == eventID }
    }

    /// `*` matches any run of characters (`checkout.session.*`, `*.succeeded`).
    static func matches(_ type: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return type == pattern }
        var rest = type[...]
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts.last!)
    }

    /// `created=123` or `created[gte]=...&created[lt]=...`.
    static func timeBounds(_ value: FormValue, param: String) throws(APIError) -> (lower: Int, upper: Int) {
        if let text = value.stringValue {
            guard let exact = Int(text) else { throw .invalidRequest("Invalid integer: \(param)", param: param) }
            return (exact, exact)
        }
        var lower = Int.min, upper = Int.max
        for field in value.fields ?? [] {
            guard let text = field.value.stringValue, let bound = Int(text) else {
                throw .invalidRequest("Invalid integer: \(param)[\(field.key)]", param: "\(param)[\(field.key)]")
            }
            switch field.key {
            case "gt": lower = max(lower, bound + 1)
            case "gte": lower = max(lower, bound)
            case "lt": upper = min(upper, bound - 1)
            case "lte": upper = min(upper, bound)
            default: throw .invalidRequest("Received unknown parameter: \(param)[\(field.key)]", param: "\(param)[\(field.key)]")
            }
        }
        return (lower, upper)
    }
}
