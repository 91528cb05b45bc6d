import Foundation
import FulfillmentCore
import TestSupport
import Testing

/// Every store, once open (and, on PostgreSQL, migrated by its service), says its schema is this release's:
/// what readiness asks before an instance is sent work.
@Suite struct SchemaStateContractTests: StoreContract {
    @Test(arguments: TestStores.kinds)
    func anOpenStoresSchemaIsThisReleases(kind: String) async throws {
        try await TestStores.with(kind) { store async throws in
            let schema = try await store.schemaState()
            #expect(schema.isCurrent && schema.problem == nil, "\(schema.pending) \(schema.unknown)")
            #expect(Set(schema.applied) == Set(schema.known))
            if kind != "memory" {
                #expect(schema.known.count >= 14, "every migration this release has")
                #expect(schema.known.last?.contains("traceparent") == true)
            }
        }
    }
}
