/// Records by id, remembering creation order (Stripe lists newest first).
struct OrderedRecords<Record: Sendable>: Sendable {
    private(set) var ids: [String] = []
    private var records: [String: Record] = [:]

    subscript(id: String) -> Record? {
        get { records[id] }
        set {
            if records[id] == nil, newValue != nil { ids.append(id) }
            records[id] = newValue
            if newValue == nil { ids.removeAll { $0 == id } }
        }
    }

    /// Every record, newest first.
    var newestFirst: [Record] { ids.reversed().compactMap { records[$0] } }

    /// Every record, oldest first.
    var oldestFirst: [Record] { ids.compactMap { records[$0] } }

    var count: Int { records.count }
}
