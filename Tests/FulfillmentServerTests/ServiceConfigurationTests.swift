import FulfillmentServer
import Testing

@Suite("DATABASE_URL parsing")
struct DatabaseURLTests {
    @Test func sqlitePathsAndTheSynchronousOption() throws {
        #expect(try ServiceConfiguration.Database(url: "sqlite:data/f.sqlite") == .sqlite(path: "data/f.sqlite"))
        #expect(try ServiceConfiguration.Database(url: "sqlite:///tmp/f.sqlite") == .sqlite(path: "/tmp/f.sqlite"))
        #expect(
            try ServiceConfiguration.Database(url: "sqlite:f.sqlite?synchronous=normal")
                == .sqlite(path: "f.sqlite", synchronousNormal: true))
        #expect(try ServiceConfiguration.Database(url: "sqlite:f.sqlite?synchronous=full") == .sqlite(path: "f.sqlite"))
        #expect(try ServiceConfiguration.Database(url: "memory:") == .memory)
    }

    @Test func refusesWhatItCannotServe() {
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "sqlite:") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "sqlite:f.sqlite?journal=off") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "postgres://localhost/db") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "mysql://x") }
    }
}
