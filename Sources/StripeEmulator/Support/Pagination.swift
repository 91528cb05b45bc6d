import StripeAPI

/// Stripe's cursor pagination over an ordered collection: `limit` (1-100, default 10), `starting_after`,
/// `ending_before`, and `has_more`.
struct Page<Element> {
    var elements: [Element]
    var hasMore: Bool

    init(_ all: [Element], id: (Element) -> String, parameters: Parameters, resource: String) throws(APIError) {
        let limit = try parameters.int("limit", range: 1...100) ?? 10
        let startingAfter = try parameters.string("starting_after")
        let endingBefore = try parameters.string("ending_before")
        if startingAfter != nil && endingBefore != nil {
            throw .invalidRequest("You may only specify one of these parameters: ending_before, starting_after.")
        }
        if let startingAfter {
            guard let index = all.firstIndex(where: { id($0) == startingAfter }) else {
                throw .invalidRequest("No such \(resource): '\(startingAfter)'", param: "starting_after", code: "resource_missing")
            }
            let rest = all[(index + 1)...]
            elements = Array(rest.prefix(limit))
            hasMore = rest.count > limit
        } else if let endingBefore {
            guard let index = all.firstIndex(where: { id($0) == endingBefore }) else {
                throw .invalidRequest("No such \(resource): '\(endingBefore)'", param: "ending_before", code: "resource_missing")
            }
            let before = all[..<index]
            elements = Array(before.suffix(limit))
            hasMore = before.count > limit
        } else {
            elements = Array(all.prefix(limit))
            hasMore = all.count > limit
        }
    }

    /// The list envelope for `url`.
    func json(url: String, render: (Element) throws(APIError) -> JSONValue) throws(APIError) -> JSONValue {
        var data: [JSONValue] = []
        for element in elements { data.append(try render(element)) }
        return ["object": "list", "data": .array(data), "has_more": .bool(hasMore), "url": .string(url)]
    }
}
