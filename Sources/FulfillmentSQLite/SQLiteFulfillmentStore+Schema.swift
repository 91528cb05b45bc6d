public import FulfillmentCore
import GRDB

extension SQLiteFulfillmentStore {
    public func schemaState() async throws -> SchemaState {
        let migrator = SQLiteMigrations.migrator
        let applied = try await read { db in try migrator.appliedIdentifiers(db) }
        return SchemaState(known: migrator.migrations, applied: applied.sorted())
    }
}
