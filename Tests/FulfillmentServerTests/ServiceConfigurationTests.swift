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

    @Test func postgresURLsNameTheSharedDatabaseAndNeverShowThePassword() throws {
        let url = "postgres://shop:secret@db.example:5433/orders?sslmode=require"
        let database = try ServiceConfiguration.Database(url: url)
        #expect(database == .postgres(url: url))
        #expect(database.redacted == "postgres://shop:***@db.example:5433/orders?sslmode=require")
        #expect(try ServiceConfiguration.Database(url: "postgresql://shop@db.example/orders") == .postgres(url: "postgresql://shop@db.example/orders"))
    }

    @Test func refusesWhatItCannotServe() {
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "sqlite:") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "sqlite:f.sqlite?journal=off") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "postgres://localhost/db") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "postgres://shop@localhost/db?sslmode=maybe") }
        #expect(throws: (any Error).self) { try ServiceConfiguration.Database(url: "mysql://x") }
    }
}
