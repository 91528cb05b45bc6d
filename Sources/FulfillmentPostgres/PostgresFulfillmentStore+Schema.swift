public import FulfillmentCore
import PostgresNIO

extension PostgresFulfillmentStore {
    public func schemaState() async throws -> SchemaState {
        var applied: [String] = []
        for try await name in try await query("SELECT name FROM schema_migrations ORDER BY name").decode(String.self) {
            applied.append(name)
        }
        return SchemaState(known: PostgresMigrations.all.map(\.name), applied: applied)
    }
}
