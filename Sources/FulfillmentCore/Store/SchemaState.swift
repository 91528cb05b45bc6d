/// Where a database's schema stands against this build's migrations: `known` in order, `applied` as the
/// database records them. Current when every known migration is applied and none this build does not know
/// (a newer release migrated the database: this one must not serve it).
public struct SchemaState: Sendable, Hashable {
    public var known: [String]
    public var applied: [String]

    public init(known: [String], applied: [String]) {
        self.known = known
        self.applied = applied
    }

    /// Known migrations the database has not had.
    public var pending: [String] { known.filter { !applied.contains($0) } }

    /// Migrations the database had that this build does not know.
    public var unknown: [String] { applied.filter { !known.contains($0) } }

    public var isCurrent: Bool { pending.isEmpty && unknown.isEmpty }

    /// What is wrong, for an operator; nil when current.
    public var problem: String? {
        if let newer = unknown.first { return "the database has a migration this release does not know (\(newer)): a newer release migrated it" }
        if let next = pending.first { return "\(pending.count) migration(s) not applied yet, from \(next)" }
        return nil
    }
}
