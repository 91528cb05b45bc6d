import StripeAPI

/// v2's pagination: `limit` (1-100, default 10) and an opaque `page` token; the answer names the next and
/// previous pages by URL (`next_page_url`), not by `has_more`. The token here is the last id shown.
struct V2Page<Element> {
    var elements: [Element]
    var limit: Int
    var lastID: String?
    var hasMore: Bool

    init(_ all: [Element], id: (Element) -> String, parameters: Parameters) throws(APIError) {
        limit = try parameters.int("limit", range: 1...100) ?? 10
        var rest = all[...]
        if let token = try parameters.string("page") {
            guard let index = all.firstIndex(where: { id($0) == token }) else {
                throw .invalidRequest("Invalid page token.", param: "page")
            }
            rest = all[(index + 1)...]
        }
        elements = Array(rest.prefix(limit))
        hasMore = rest.count > limit
        lastID = elements.last.map(id)
    }

    func json(path: String, render: (Element) throws(APIError) -> JSONValue) throws(APIError) -> JSONValue {
        var data: [JSONValue] = []
        for element in elements { data.append(try render(element)) }
        let next: JSONValue = hasMore ? .string("\(path)?limit=\(limit)&page=\(lastID ?? "")") : nil
        return ["data": .array(data), "next_page_url": next, "previous_page_url": nil]
    }
}
