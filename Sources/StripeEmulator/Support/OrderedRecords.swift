/// Records by id, remembering creation order (Stripe lists newest first) and, when `scoped`, which account
/// each belongs to: a lookup or a list sees only what `AccountScope.current` sees, and a new record belongs
/// to the account at work when it is stored.
struct OrderedRecords<Record: Sendable>: Sendable {
    private(set) var ids: [String] = []
    private var records: [String: Record] = [:]
    /// Connected accounts' records (the platform's have no entry).
    private var owners: [String: String] = [:]
    /// Whether records belong to accounts (Stripe objects, events) or to the emulator (endpoints, deliveries).
    let scoped: Bool

    init(scoped: Bool = true) {
        self.scoped = scoped
    }

    subscript(id: String) -> Record? {
        get {
            guard let record = records[id] else { return nil }
            return !scoped || AccountScope.current.sees(owners[id]) ? record : nil
        }
        set {
            if records[id] == nil, newValue != nil {
                ids.append(id)
                if scoped, let owner = AccountScope.current.owner { owners[id] = owner }
            }
            records[id] = newValue
            if newValue == nil {
                ids.removeAll { $0 == id }
                owners[id] = nil
            }
        }
    }

    /// The account a record belongs to (nil: the platform's, or no such record), whatever the scope.
    func owner(of id: String) -> String? { owners[id] }

    /// Every record the scope sees, newest first.
    var newestFirst: [Record] { visible(ids.reversed()) }

    /// Every record the scope sees, oldest first.
    var oldestFirst: [Record] { visible(ids) }

    var count: Int { records.count }

    private func visible(_ order: some Sequence<String>) -> [Record] {
        let scope = AccountScope.current
        guard scoped, scope != .everything else { return order.compactMap { records[$0] } }
        return order.compactMap { id in scope.sees(owners[id]) ? records[id] : nil }
    }
}
