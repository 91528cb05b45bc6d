import FulfillmentCore
import Testing

/// Readiness's reading of a schema: behind (a migration not applied) or ahead (one this release does not know,
/// a newer release's) is not this release's to serve.
@Suite struct SchemaStateTests {
    @Test func aSchemaBehindOrAheadIsNotCurrentAndSaysWhy() {
        let known = ["v1: inbox", "v2: orders", "v3: checks"]
        #expect(SchemaState(known: known, applied: known).isCurrent)
        let behind = SchemaState(known: known, applied: ["v1: inbox"])
        #expect(!behind.isCurrent && behind.pending == ["v2: orders", "v3: checks"])
        #expect(behind.problem == "2 migration(s) not applied yet, from v2: orders")
        let ahead = SchemaState(known: known, applied: known + ["v4: from a newer release"])
        #expect(!ahead.isCurrent && ahead.unknown == ["v4: from a newer release"])
        #expect(ahead.problem?.contains("newer release") == true)
    }
}
