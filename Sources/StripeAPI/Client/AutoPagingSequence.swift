/// Every object of a Stripe list, fetched page by page with `starting_after` as it is iterated.
public struct AutoPagingSequence<Element: Decodable & Sendable & StripeIdentifiable>: AsyncSequence, Sendable {
    /// Fetches the page after the object with the given id (the first page for `nil`).
    public typealias PageFetcher = @Sendable (_ startingAfter: String?) async throws -> StripeList<Element>

    let fetchPage: PageFetcher

    public init(fetchPage: @escaping PageFetcher) {
        self.fetchPage = fetchPage
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(fetchPage: fetchPage)
    }

    /// Collects every element (for lists known to be small, such as a session's line items).
    public func collect() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self {
            elements.append(element)
        }
        return elements
    }

    public struct Iterator: AsyncIteratorProtocol {
        let fetchPage: PageFetcher
        var buffer: [Element] = []
        var index = 0
        var lastID: String?
        var hasMore = true
        var started = false

        public mutating func next() async throws -> Element? {
            while index == buffer.count {
                guard hasMore else { return nil }
                let page = try await fetchPage(started ? lastID : nil)
                started = true
                buffer = page.data
                index = 0
                // A page that says "more" but is empty would loop forever: treat it as the end.
                hasMore = page.hasMore && !page.data.isEmpty
                if let last = page.data.last { lastID = last.id }
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}
